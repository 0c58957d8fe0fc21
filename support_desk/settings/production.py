"""Production: no default secret, HTTPS everywhere, real SMTP and PostgreSQL from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOG_LEVEL, env, logging_config

# Keys that appear in this repository (local settings, docker-compose.yml) are public: anyone could
# sign with them. Production refuses them, as it refuses a missing or short key.
PUBLISHED_SECRET_KEYS = {
    "insecure-local-development-key-change-me",
    "compose-local-only-secret-key-change-me-0123456789abcdefghij",
}

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 32 or SECRET_KEY in PUBLISHED_SECRET_KEYS:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a private random value of at least 32 characters, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'. Keys published in this repository are refused."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Persistent database connections: opening one per request (CONN_MAX_AGE=0, the local default)
# cost a TCP and authentication handshake on every API call. The health check replaces a
# connection the server dropped before a request uses it, instead of failing that request.
# The same for the reports' replica (REPORTS_DATABASE_URL), when there is one.
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    if _database["ENGINE"].startswith("django.db.backends.postgresql"):
        # Django's backend, with a health check that asks the connection instead of sending a
        # `SELECT 1` per request (support_desk/postgresql/base.py).
        _database["ENGINE"] = "support_desk.postgresql"
        # While PostgreSQL restarts or fails over, a request waits at most this long (seconds) for a
        # connection before its 503 (portal.views.server_error), instead of hanging on an unanswered SYN.
        _database.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=2)
        )
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# One JSON object per log line (request ids, task ids as fields); LOG_FORMAT=text for a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# /metrics only with `Authorization: Bearer $METRICS_TOKEN` or from METRICS_ALLOWED_NETWORKS.
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=False)
