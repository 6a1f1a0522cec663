"""/healthz for load balancers: is this process up, can it reach its database, and is its live
hub still delivering?

It answers on the event loop. The database is asked at most once every
`HEALTH_DATABASE_SECONDS` per process (in a thread); checks in between get that answer, so a
load balancer asking every second, or a storm of checks, costs the database one query a second.
"""

import logging
import time

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.live.hub import current_hub
from liveblog.offload import in_own_thread

logger = logging.getLogger(__name__)

HEALTH_DATABASE_SECONDS = 1.0
_last_probe: tuple[float, str | None] = (float("-inf"), None)


def probe_database() -> str | None:
    """Why the database cannot be reached, or None when it answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return str(error)
    return None


async def database_problem() -> str | None:
    global _last_probe
    checked, problem = _last_probe
    if time.monotonic() - checked >= HEALTH_DATABASE_SECONDS:
        problem = await in_own_thread(probe_database)
        _last_probe = (time.monotonic(), problem)
    return problem


@never_cache
@require_GET
async def healthz(request):
    problem = await database_problem()
    if problem is not None:
        logger.error("health check: database unreachable: %s", problem)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    hub = current_hub()
    stalled = hub.stalled() if hub is not None else None
    if stalled:
        logger.error("health check: live hub stalled: %s", stalled)
        return JsonResponse({"status": "error", "live": stalled}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
