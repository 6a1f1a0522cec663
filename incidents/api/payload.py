"""Reads the fields of a decoded JSON body, with one clear message per bad field.

JSON can carry what the database cannot hold (NUL characters, lone surrogates, times that overflow
once converted to UTC or to a story's zone), so every string and time is checked here before a
model method sees it: bad input becomes a 400 naming the field, never a 500. The limits here are
the ones incidents/openapi.py documents.
"""

from datetime import datetime

from incidents import timefmt
from incidents.api.endpoint import ApiError


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

    def _fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, max_length: int | None = None) -> str | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, str):
            self._fail(name, "Must be a string.")
            return None
        problem = text_problem(value)
        if problem:
            self._fail(name, problem)
            return None
        if max_length is not None and len(value) > max_length:
            self._fail(name, f"At most {max_length:,} characters; this has {len(value):,}.")
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            self._fail(name, "Must be true or false.")
            return None
        return value

    def integer(self, name: str, *, minimum: int = 0) -> int | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON does not tell 1.0 from 1
        if not isinstance(value, int) or isinstance(value, bool):
            self._fail(name, "Must be a whole number.")
            return None
        if value < minimum:
            self._fail(name, f"Must be at least {minimum}.")
            return None
        return value

    def choice(self, name: str, choices) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self._fail(name, f"Must be one of: {', '.join(repr(c) for c in choices)}.")
            return None
        return value

    def timestamp(self, name: str, zone_name: str) -> datetime | None:
        """An ISO 8601 time. Without an offset it means the story's local time."""
        value = self.text(name)
        if value is None:
            return None
        moment = parse_timestamp(value, zone_name)
        if moment is None:
            self._fail(name, "Must be an ISO 8601 date and time, e.g. 2026-07-26T11:40:00-04:00.")
        return moment

    def text_list(self, name: str, *, max_items: int, max_length: int) -> list[str] | None:
        if name not in self.data:
            return None
        values = self.data[name]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self._fail(name, "Must be an array of strings.")
            return None
        if len(values) > max_items:
            self._fail(name, f"At most {max_items} items.")
            return None
        for value in values:
            problem = text_problem(value)
            if not problem and len(value) > max_length:
                problem = f"Each item has at most {max_length} characters."
            if problem:
                self._fail(name, problem)
                return None
        return values

    def bylines(self, name: str, *, max_items: int = 10) -> list[dict] | None:
        if name not in self.data:
            return None
        values = self.data[name]
        message = 'Must be an array of objects like {"name": "Dana Reyes", "title": "Editor"}.'
        if not isinstance(values, list):
            self._fail(name, message)
            return None
        if len(values) > max_items:
            self._fail(name, f"At most {max_items} bylines.")
            return None
        people = []
        for value in values:
            if not isinstance(value, dict) or set(value) - {"name", "title"}:
                self._fail(name, message)
                return None
            person = {"name": value.get("name"), "title": value.get("title", "")}
            for key, limit in (("name", 120), ("title", 160)):
                item = person[key]
                problem = "" if isinstance(item, str) else message
                problem = problem or text_problem(item)
                if not problem and len(item) > limit:
                    problem = f"A byline {key} has at most {limit} characters."
                if not problem and key == "name" and not item.strip():
                    problem = "Each byline needs a name."
                if problem:
                    self._fail(name, problem)
                    return None
            people.append({"name": person["name"].strip(), "title": person["title"].strip()})
        return people

    def check(self) -> None:
        if self.errors:
            raise ApiError(400, "invalid", "Some fields need attention.", fields=self.errors)


def text_problem(value: str) -> str:
    """Why a string cannot be stored, or ''."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text (no lone surrogates)."
    return ""


def parse_timestamp(value: str, zone_name: str) -> datetime | None:
    """An ISO 8601 date and time between the years 1000 and 2999, or None."""
    # RFC 3339 allows a lower-case "t" and "z"; Python's parser wants them upper-case.
    text = value.strip().replace("t", "T").replace("z", "Z")
    if len(text) < 16 or text[10] not in "T ":  # a date alone is not a moment
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 1000 <= moment.year <= 2999:  # leaves room to show it in any timezone
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timefmt.zone(zone_name))
    return moment
