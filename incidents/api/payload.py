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


def text_problem(value) -> str:
    """Why a value cannot be stored as text, or ''."""
    if not isinstance(value, str):
        return "Must be a string."
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text (no lone surrogates)."
    return ""


def filled_problem(value) -> str:
    """Text that must say something: where a desk form reads an empty box as "not given", the
    API reads only a missing field that way."""
    if value == "":
        return "Must not be empty; to leave it unset, leave the field out."
    return text_problem(value)


def boolean_problem(value) -> str:
    return "" if isinstance(value, bool) else "Must be true or false."


def integer_problem(value) -> str:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return "" if whole and not isinstance(value, bool) else "Must be a whole number."


def strings_problem(values) -> str:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return "Must be an array of strings."
    return next(filter(None, map(text_problem, values)), "")


def people_problem(values) -> str:
    """An array of {"name": "...", "title": "..."}, the title optional."""
    if not isinstance(values, list) or not all(_is_person(v) for v in values):
        return BYLINE_SHAPE
    return next(filter(None, (text_problem(t) for v in values for t in v.values())), "")


def _is_person(value) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("title", ""), str)
        and not set(value) - {"name", "title"}
    )


def pictures_problem(values) -> str:
    if not isinstance(values, list) or not all(map(_is_picture, values)):
        return (
            "Expected a list of picture ids, or of objects with an integer id and any of "
            "alt, caption and credit (strings)."
        )
    return ""


def _is_picture(value) -> bool:
    if not isinstance(value, dict):
        return not integer_problem(value)
    texts = {"alt", "caption", "credit"}
    return (
        not integer_problem(value.get("id"))
        and not set(value) - {"id", *texts}
        and all(isinstance(value[name], str) for name in texts & set(value))
    )


KINDS = {
    "text": text_problem,
    "filled": filled_problem,
    "boolean": boolean_problem,
    "integer": integer_problem,
    "strings": strings_problem,
    "people": people_problem,
    "pictures": pictures_problem,
}
# JSON does not tell 1.0 from 1; a byline's title may be left out.
READ = {
    "integer": int,
    "people": lambda values: [{"name": v["name"], "title": v.get("title", "")} for v in values],
}


class Payload:
    """A JSON body and the fields it may carry, {name: kind}; `errors` names each misfit."""

    def __init__(self, data: dict, fields: dict[str, str], *, required=()):
        self.errors: dict[str, str] = {}
        self.values: dict = {}
        for name in data:
            if name not in fields:
                self.errors[name] = f"Unknown field; expected one of {', '.join(sorted(fields))}."
        for name in required:
            if name not in data:
                self.errors[name] = "This field is required."
        for name, kind in fields.items():
            if name in data and name not in self.errors:
                problem = KINDS[kind](data[name])
                if problem:
                    self.errors[name] = problem
                else:
                    self.values[name] = READ.get(kind, lambda value: value)(data[name])

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


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
