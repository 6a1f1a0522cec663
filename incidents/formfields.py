"""Form fields that the desk's forms and the API share, each reading its limits from the model.

The desk types tags on one line and bylines one per line; the API sends them as JSON lists. The
same field takes either and cleans both to the same list, so the limits are checked once.
"""

import re
from datetime import datetime

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from incidents.models import Byline, Story, Tag


def model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field Django derives from the model field: its max_length, choices, required."""
    return model._meta.get_field(name).formfield(**kwargs)


def max_length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def _no_nul(text: str) -> None:
    ProhibitNullCharactersValidator()(text)


class TrimmedField(forms.CharField):
    """Text measured as it was sent, as a browser's maxlength and the API document count it,
    then kept without the spaces around it; "required" means something is left after that."""

    def __init__(self, **kwargs):
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        value = self.to_python(value)
        self.run_validators(value)
        value = value.strip()
        self.validate(value)
        return value


# An ISO 8601 date and time as the desk's datetime-local box and RFC 3339 write it, the offset
# optional: a date alone is not a moment.
TIME_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?"
)


class StoryTimeField(forms.DateTimeField):
    """A date and time. One written without an offset is the story's local time: the form, which
    knows the story, gives it the zone and then checks the model's range."""

    default_error_messages = {
        "invalid": "Enter a date and time, e.g. 2026-07-26T11:40 or 2026-07-26T11:40:00-04:00."
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        if not TIME_PATTERN.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.fromisoformat(f"{text[:10]}T{text[11:]}".upper())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class TagsField(forms.Field):
    """Tag names: typed as one comma-separated line, or sent as a list (where a name may hold a
    comma). Cleans to the list of names; blank ones are dropped."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Tags")
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            _no_nul(value)
            names = [name.strip() for name in value.split(",") if name.strip()]
        else:
            names = list(value)  # a list counts and is measured as sent, as the API documents
        limit, longest = Story.MAX_TAGS, max_length(Tag, "name")
        if len(names) > limit:
            raise forms.ValidationError(f"A story has at most {limit} tags.")
        for name in names:
            _no_nul(name)
            if len(name) > longest:
                raise forms.ValidationError(
                    f"A tag has at most {longest} characters; “{name[:20]}…” has {len(name)}."
                )
        return [name.strip() for name in names if name.strip()]


class BylinesField(forms.Field):
    """Bylines typed one person per line as "Name, Title", or sent as a list of
    {"name", "title"}; cleans to [{"name", "title"}] in order."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Bylines")
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", "One person per line: Name, Title")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            lines = (f"{p['name']}, {p['title']}" if p["title"] else p["name"] for p in value)
            return "\n".join(lines)
        return value

    def clean(self, value):
        if value in self.empty_values:
            return []
        people = self._typed(value) if isinstance(value, str) else self._sent(value)
        limit = Story.MAX_BYLINES
        if len(people) > limit:
            raise forms.ValidationError(f"A story has at most {limit} bylines.")
        return people

    @staticmethod
    def _limits() -> tuple[int, int]:
        return max_length(Byline, "name"), max_length(Byline, "title")

    def _typed(self, text: str) -> list[dict]:
        _no_nul(text)
        longest_name, longest_title = self._limits()
        people = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, _, title = (part.strip() for part in line.partition(","))
            if not name:
                raise forms.ValidationError(f"Line {number} needs a name before the comma.")
            if len(name) > longest_name or len(title) > longest_title:
                raise forms.ValidationError(
                    f"Line {number} is too long: names up to {longest_name} characters, "
                    f"titles up to {longest_title}."
                )
            people.append({"name": name, "title": title})
        return people

    def _sent(self, values) -> list[dict]:
        longest_name, longest_title = self._limits()
        people = []
        for value in values:
            name, title = value["name"], value.get("title", "")
            _no_nul(name + title)
            if len(name) > longest_name or len(title) > longest_title:
                raise forms.ValidationError(
                    f"A byline's name has at most {longest_name} characters, its title "
                    f"{longest_title}."
                )
            if not name.strip():
                raise forms.ValidationError("Each byline needs a name.")
            people.append({"name": name.strip(), "title": title.strip()})
        return people


class PersonLabelMixin:
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


def _beyond_any_id(value) -> bool:
    """Whether a submitted id is a whole number no database column could hold: refused as an
    unknown choice, before it reaches the database (SQLite raises on it)."""
    try:
        return not -(2**63) <= int(str(value).strip()) < 2**63
    except ValueError:
        return False  # not a number at all: the field's own check refuses it


class PersonChoiceField(PersonLabelMixin, forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and _beyond_any_id(value):
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice")
        return super().to_python(value)


class PeopleChoiceField(PersonLabelMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if _beyond_any_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
