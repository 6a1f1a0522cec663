"""Request bodies over the limit are refused at the ASGI door, before Django reads them.

Django reads a whole body before any view runs, into a temporary file that spills to disk past
FILE_UPLOAD_MAX_MEMORY_SIZE: an unauthenticated 100 MB POST was written to disk before its 401.
Here a body is refused by its Content-Length before a byte is read, and a chunked one (no
length) by counting: past the limit the client gets 413 and Django is told the client left, so
it stops reading. What Django has buffered by then is at most the limit, in memory.

The limit depends on the path (settings.REQUEST_BODY_LIMITS, the longest matching prefix wins),
so a future upload route can have its own. Under /api/ the 413 is the API's JSON error.
"""

import json

from django.conf import settings

API_PREFIX = "/api/"


def limit_for(path: str) -> int:
    limits = settings.REQUEST_BODY_LIMITS
    prefix = max((p for p in limits if path.startswith(p)), key=len, default="/")
    return limits[prefix]


def _refusal(path: str, limit: int) -> tuple[str, bytes]:
    if path.startswith(API_PREFIX):
        error = {
            "code": "payload_too_large",
            "message": f"The body is over {limit:,} bytes; the API accepts at most {limit:,}.",
            "fields": {},
        }
        return "application/json", json.dumps({"error": error}).encode()
    page = (
        "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Too large</title>"
        f"<h1>That was too large</h1><p>This site accepts at most {limit:,} bytes here.</p>"
    )
    return "text/html; charset=utf-8", page.encode()


class RequestSizeLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return await self._refuse(scope, send, limit)

        received = 0
        refused = False

        async def counting_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await self._refuse(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    @staticmethod
    async def _refuse(scope, send, limit: int) -> None:
        content_type, body = _refusal(scope["path"], limit)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            # The rest of the body is still on its way: don't keep reading this connection.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
