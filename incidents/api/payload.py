"""The fields of a decoded JSON body: JSON types here, every other rule in the desk's forms.

`Payload` checks only what JSON can get wrong and a form cannot see: a number where a string
belongs, an object where a list belongs, NUL characters and lone surrogates (which the database
cannot hold). Limits, choices, time ranges and required text are the forms' (incidents/forms.py),
which read them from the model; `validated()` runs the forms and turns their errors, with the
payload's, into the API's error envelope under the field names the API documents.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import Form

from incidents.api.endpoint import ApiError

# The forms' field names that the API spells differently.
API_NAMES = {
    "tags_text": "tags",
    "bylines_text": "bylines",
    "idempotency_key": "Idempotency-Key",
}
INVALID = "Some fields need attention."
BYLINE_SHAPE = 'Must be an array of objects like {"name": "Dana Reyes", "title": "Editor"}.'


class Payload:
    def __init__(self, data: dict, allowed: set[str]):
        self.data = data
        self.errors: dict[str, str] = {}
        for name in data:
            if name not in allowed:
                self.errors[name] = f"Unknown field; expected one of {', '.join(sorted(allowed))}."

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def require(self, name: str) -> None:
        if name not in self.data:
            self.errors[name] = "This field is required."

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str) -> str | None:
        if name not in self.data:
            return None
        value = self.data[name]
        problem = "" if isinstance(value, str) else "Must be a string."
        problem = problem or text_problem(value)
        if problem:
            self.fail(name, problem)
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            self.fail(name, "Must be true or false.")
            return None
        return value

    def integer(self, name: str) -> int | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON does not tell 1.0 from 1
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(name, "Must be a whole number.")
            return None
        return value

    def strings(self, name: str) -> list[str] | None:
        if name not in self.data:
            return None
        values = self.data[name]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(name, "Must be an array of strings.")
            return None
        problem = next(filter(None, map(text_problem, values)), "")
        if problem:
            self.fail(name, problem)
            return None
        return values

    def people(self, name: str) -> list[dict] | None:
        """An array of {"name": "...", "title": "..."}, the title optional."""
        if name not in self.data:
            return None
        values = self.data[name]
        if not isinstance(values, list) or not all(_is_person(v) for v in values):
            self.fail(name, BYLINE_SHAPE)
            return None
        texts = [text for person in values for text in person.values()]
        problem = next(filter(None, map(text_problem, texts)), "")
        if problem:
            self.fail(name, problem)
            return None
        return [{"name": v["name"], "title": v.get("title", "")} for v in values]

    def values(self, kinds: dict[str, str]) -> dict:
        """The fields sent among `kinds` ({name: "text" | "boolean" | ...}), each checked."""
        found = {name: getattr(self, kind)(name) for name, kind in kinds.items()}
        return {name: value for name, value in found.items() if value is not None}


def _is_person(value) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("title", ""), str)
        and not set(value) - {"name", "title"}
    )


def text_problem(value: str) -> str:
    """Why a string cannot be stored, or ''."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text (no lone surrogates)."
    return ""


def form_errors(*forms: Form | None) -> dict[str, str]:
    """Every field error of the forms, named as the API names the fields."""
    fields = {}
    for form in forms:
        if form is not None and not form.is_valid():
            for name, messages in form.errors.items():
                fields[API_NAMES.get(name, name)] = " ".join(messages)
    return fields


def validated(*forms: Form | None, payload: Payload | None = None) -> list[dict]:
    """The forms' cleaned data, or a 400 naming each field that needs attention: in one answer,
    the payload's type problems (which a form, missing the value, would only call "required")
    and the forms' own findings on everything else."""
    fields = {**form_errors(*forms), **(payload.errors if payload else {})}
    if fields:
        general = fields.pop(NON_FIELD_ERRORS, "")
        raise ApiError(400, "invalid", general or INVALID, fields=fields)
    return [form.cleaned_data if form is not None else {} for form in forms]
