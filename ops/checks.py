"""`manage.py check --deploy`: /metrics must be reachable by the scraper and by nobody else."""

from django.conf import settings
from django.core import checks

METRICS_TOKEN_MIN_LENGTH = 24


@checks.register(checks.Tags.security, deploy=True)
def metrics_protection(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.METRICS_PUBLIC:
        return [
            checks.Warning(
                "METRICS_PUBLIC is on: anyone who reaches the server can read /metrics.",
                hint="Unset it and set METRICS_TOKEN (a bearer token) or METRICS_ALLOWED_NETWORKS.",
                id="ops.W001",
            )
        ]
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        # Closed to everyone is safe, so not a warning; but nothing can scrape it.
        return [
            checks.Info(
                "Neither METRICS_TOKEN nor METRICS_ALLOWED_NETWORKS is set: /metrics answers 403 to every scraper.",
                id="ops.I001",
            )
        ]
    if token and len(token) < METRICS_TOKEN_MIN_LENGTH:
        return [
            checks.Warning(
                f"METRICS_TOKEN is shorter than {METRICS_TOKEN_MIN_LENGTH} characters.",
                hint="python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
                id="ops.W003",
            )
        ]
    return []
