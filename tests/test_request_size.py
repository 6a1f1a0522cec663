"""Request bodies over the limit are refused before they are read (issue 10, finding 7): by
Content-Length before a byte is read, and a chunked body by counting, with 413 (the API's JSON
error under /api/), whether called as raw ASGI or through a live uvicorn."""

import asyncio
import json
import socket

import httpx
import pytest
from django.conf import settings

from tests.live_server import Server

API_LIMIT = 64 * 1024
# The application checks the database when it is imported, and runs views on other threads.
raw_asgi = pytest.mark.django_db(transaction=True)


def call(path: str, chunks: list[bytes], headers: dict | None = None, method: str = "POST"):
    """One request through the project's ASGI application; returns (status, headers, body,
    how many body messages the application asked for)."""
    from liveblog.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    pending = list(chunks)
    asked = 0
    response = {"status": None, "headers": {}, "body": b""}

    async def receive():
        nonlocal asked
        if not pending:
            await asyncio.sleep(3600)  # the client has nothing more to say
        asked += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
            response["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            response["body"] += message.get("body", b"")

    asyncio.run(asyncio.wait_for(application(scope, receive, send), 10))
    return response["status"], response["headers"], response["body"], asked


@raw_asgi
def test_an_api_body_declared_too_large_is_refused_before_a_byte_is_read():
    status, headers, body, asked = call(
        "/api/v1/stories",
        [b"x" * 1024] * 100_000,
        {"content-length": str(100 * 1024 * 1024), "content-type": "application/json"},
    )

    assert status == 413
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "payload_too_large"
    assert error["fields"] == {}
    assert "65,536" in error["message"]
    assert asked == 0


@raw_asgi
def test_a_chunked_api_body_is_counted_and_refused_with_the_json_error():
    """Over 2.5 MB this got Django's HTML 400; and every byte was read (and spooled to disk)."""
    chunks = [b"x" * 16 * 1024] * 200  # 3.2 MB, no Content-Length

    status, headers, body, asked = call(
        "/api/v1/stories", chunks, {"content-type": "application/json"}
    )

    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert asked == API_LIMIT // (16 * 1024) + 1  # stopped at the first chunk past the limit


@raw_asgi
def test_other_pages_refuse_large_bodies_with_a_short_page():
    limit = settings.REQUEST_BODY_LIMITS["/"]

    status, headers, body, asked = call(
        "/accounts/login/", [b"x"], {"content-length": str(limit + 1)}
    )

    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b"too large" in body
    assert asked == 0


@raw_asgi
def test_a_body_within_the_limit_reaches_django():
    status, headers, body, asked = call(
        "/api/v1/stories", [b"{}"], {"content-type": "application/json", "content-length": "2"}
    )

    assert status == 401  # the API's own answer: no token
    assert json.loads(body)["error"]["code"] != "payload_too_large"
    assert asked == 1


def test_no_allowed_body_is_ever_spooled_to_disk():
    assert max(settings.REQUEST_BODY_LIMITS.values()) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert settings.REQUEST_BODY_LIMITS["/api/"] == API_LIMIT


# --- through a live uvicorn ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), Server() as running:
        yield running


def test_live_a_declared_100_mb_post_gets_413_at_once(server):
    reply = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/stories HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"a": '
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    reply = reply.decode()

    assert reply.startswith("HTTP/1.1 413")
    assert '"code": "payload_too_large"' in reply


def test_live_a_chunked_api_body_over_the_limit_gets_the_json_error(server):
    def chunks():
        for _ in range(200):
            yield b"x" * 16 * 1024

    try:
        response = httpx.post(
            f"{server.url}/api/v1/stories",
            content=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
    except httpx.WriteError:  # the server closed the connection while we were still sending
        pytest.skip("server closed before the response could be read")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@raw_asgi
@pytest.mark.parametrize("path", ["/api/v1/pictures", "/newsroom/pictures/a-story/"])
def test_a_50_mb_picture_upload_is_refused_at_the_door_naming_the_limit(path):
    """Pictures may be up to 15 MB (incidents/images.py); their upload paths take 16 MB with the
    form around the file, and not a byte more is read."""
    status, headers, body, asked = call(
        path,
        [b"x" * 1024 * 1024] * 50,
        {
            "content-length": str(50 * 1024 * 1024),
            "content-type": "multipart/form-data; boundary=x",
        },
    )

    assert status == 413
    assert asked == 0
    assert "16,777,216" in body.decode() or "16 MB" in body.decode()
