"""A test client for the JSON API that carries one user's bearer token."""

import json

from django.test import Client

from incidents.models import ApiToken

BASE = "/api/v1"


class Api:
    """`Api(editor).post("/stories", {...})` sends JSON with the editor's fresh token."""

    def __init__(self, user=None, *, raw: str | None = None):
        self.client = Client()
        self.token = None
        if raw is None and user is not None:
            self.token, raw = ApiToken.issue(user, name="tests")
        self.raw = raw

    def _headers(self, extra=None) -> dict:
        headers = {"Authorization": f"Bearer {self.raw}"} if self.raw else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params=None, headers=None):
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def send(self, method: str, path: str, data=None, *, headers=None, content_type=None):
        body = data if isinstance(data, (str, bytes)) or data is None else json.dumps(data)
        kwargs = {"headers": self._headers(headers)}
        if body is not None:
            kwargs.update(data=body, content_type=content_type or "application/json")
        return getattr(self.client, method.lower())(BASE + path, **kwargs)

    def post(self, path: str, data=None, **kwargs):
        return self.send("POST", path, data, **kwargs)

    def patch(self, path: str, data=None, **kwargs):
        return self.send("PATCH", path, data, **kwargs)

    def delete(self, path: str, data=None, **kwargs):
        return self.send("DELETE", path, data, **kwargs)


def error_of(response) -> dict:
    """The `error` object of a JSON error response, after checking its shape."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error
