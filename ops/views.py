"""Operations endpoints: liveness, readiness (database, broker, a worker's heartbeat), metrics."""

import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from support_desk.metrics import exposition
from support_desk.throttling import store as throttle_store

from .metrics import DeskCollector, scrape_refusal
from .services import HEARTBEAT_MAX_AGE, broker_reachable, last_heartbeat


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - report, don't crash
        checks["database"] = f"error: {type(error).__name__}"
    checks["broker"] = "ok" if broker_reachable() else "unreachable"
    beat = last_heartbeat()
    age = None if beat is None else time.time() - beat
    checks["worker"] = "ok" if age is not None and age <= HEARTBEAT_MAX_AGE else "no recent heartbeat"
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": checks,
        "worker_heartbeat_age_seconds": age,
        # Limits never switch off: without Redis they count in each process's memory.
        "throttling": throttle_store.describe(),
    }
    if settings.DEBUG:
        body["broker_url"] = settings.CELERY_BROKER_URL.split("@")[-1]
    return JsonResponse(body, status=200 if ready else 503)


@require_GET
def metrics(request):
    refusal = scrape_refusal(request)
    if refusal == 401:
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if refusal:
        return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
    body, content_type = exposition(request.META.get("HTTP_ACCEPT", ""), [DeskCollector()])
    return HttpResponse(body, content_type=content_type)
