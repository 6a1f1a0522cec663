"""One structured log line per request: method, path, status, duration, for any server process."""

import json
import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

logger = logging.getLogger("liveblog.requests")


class RequestLogMiddleware:
    """Logs `{"method", "path", "status", "duration_ms", ...}` as one JSON line per request.

    For a streamed response (the live event stream) the duration is the time to the first byte:
    the stream itself may stay open for hours."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._log(request, response, started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        self._log(request, response, started)
        return response

    @staticmethod
    def _log(request, response, started):
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        if not logger.isEnabledFor(level):
            return
        record = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "streaming": response.streaming,
        }
        # Only a user already loaded: looking one up here would query the database, which an
        # async request must not do from this point.
        user = getattr(request, "_cached_user", None)
        if user is not None and user.is_authenticated:
            record["user"] = user.get_username()
        logger.log(level, json.dumps(record, separators=(",", ":")))
