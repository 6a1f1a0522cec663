"""/healthz for load balancers: is this process up, can it reach its database, and is its live
hub still delivering?"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.live.hub import current_hub

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("health check: database unreachable: %s", error)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    hub = current_hub()
    stalled = hub.stalled() if hub is not None else None
    if stalled:
        logger.error("health check: live hub stalled: %s", stalled)
        return JsonResponse({"status": "error", "live": stalled}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
