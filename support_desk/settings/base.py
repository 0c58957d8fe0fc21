"""Settings shared by every environment, read from the environment (12-factor).

Defaults are the embedded ones a newcomer gets from a plain checkout: SQLite and
Celery's filesystem broker under var/, e-mail to files under var/mail/.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from support_desk.log_format import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
# SQLite, the filesystem broker and file e-mail live here; a plain checkout must just work.
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# What switches a feature off in the environment (API_THROTTLE, DATABASE_PREPARE_THRESHOLD).
OFF_VALUES = frozenset({"off", "0", "false", "no"})

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "tickets",
    "notifications",
    "ops",
    "sla",
    "incidents",
    "knowledge",
    "portal",
    "desk",
]

MIDDLEWARE = [
    # First: the request id is on every later log line; the latency covers every other middleware.
    "support_desk.request_id.RequestIdMiddleware",
    "support_desk.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # NUL characters, over-long URLs and over-size bodies get a 4xx before any view runs.
    "support_desk.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed its two-factor step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.SavedLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An enrolled staff member's session without its second step is ended (accounts.twofactor).
    "accounts.twofactor.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "support_desk.login_guard.LoginThrottleMiddleware",
    # Last: turns a django-axes lockout signalled during authentication into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# No inline script or style anywhere: pages load their JavaScript modules and CSS from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes (the Django admin uses a few) are allowed; inline script never.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

ROOT_URLCONF = "support_desk.urls"
WSGI_APPLICATION = "support_desk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Covering indexes (INCLUDE) exist for PostgreSQL's index-only scans; SQLite builds the same
# indexes without their non-key columns, which is all a development database needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web server (threads, processes) and a worker at once. WAL: readers
    # never wait for the writer. IMMEDIATE: a transaction takes the write lock at BEGIN, so writers queue
    # (a deferred one that read first fails at once with "database is locked" when another wrote
    # meanwhile). The busy timeout (seconds) is how long a writer queues before that error.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A read replica for the reports (the SLA and complaints reports; support_desk.db_routers): the
# "reports" alias, which only the report code names; nothing else reads it and nothing migrates it.
# Empty: the reports read the primary.
REPORTS_DATABASE_URL = env("REPORTS_DATABASE_URL", default="")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = env.db_url_config(REPORTS_DATABASE_URL)
    DATABASES["reports"]["ATOMIC_REQUESTS"] = False
    DATABASES["reports"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # The test suite creates no second database: the alias reads the test database.
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["support_desk.db_routers.ReportsReplicaRouter"]
# PostgreSQL through psycopg 3 with server-side binding: a statement a connection has run
# DATABASE_PREPARE_THRESHOLD times (default 2) becomes a prepared statement, planned once per
# connection instead of on every request (at 1M tickets, 30 % less PostgreSQL CPU per ticket
# creation; bench/README). Behind PgBouncer in transaction mode, which cannot keep prepared
# statements, set DATABASE_PREPARE_THRESHOLD=off: client-side binding, as psycopg2 did.
DATABASE_PREPARE_THRESHOLD = env("DATABASE_PREPARE_THRESHOLD", default="2").strip().lower()
if DATABASE_PREPARE_THRESHOLD not in OFF_VALUES:
    for _database in DATABASES.values():
        if _database["ENGINE"].startswith("django.db.backends.postgresql"):
            _database.setdefault("OPTIONS", {}).update(
                {"server_side_binding": True, "prepare_threshold": int(DATABASE_PREPARE_THRESHOLD)}
            )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out (account, client) before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the customer profile loaded in the same query as a session's user.
    "accounts.backends.ProfileModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/tickets/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

REDIS_URL = env("REDIS_URL", default="")
# Redis Sentinel (or a managed Redis behind one): REDIS_SENTINELS, comma-separated host:port, and the
# monitored master's name. Set, the caches and Celery's broker find the current master through the
# sentinels (REDIS_URL is then ignored); REDIS_SENTINEL_PASSWORD authenticates to the sentinels,
# REDIS_PASSWORD to the master, REDIS_SENTINEL_DB is the database number.
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (item.rpartition(":") for item in env.list("REDIS_SENTINELS", default=[]))
]
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="")
REDIS_SENTINEL_PASSWORD = env("REDIS_SENTINEL_PASSWORD", default="")
REDIS_SENTINEL_DB = env.int("REDIS_SENTINEL_DB", default=0)
REDIS_PASSWORD = env("REDIS_PASSWORD", default="")
if REDIS_SENTINELS and not REDIS_SENTINEL_MASTER:
    raise ImproperlyConfigured("REDIS_SENTINELS is set: set REDIS_SENTINEL_MASTER to the master's name too.")

# --- Clients and proxies -----------------------------------------------------------------
# X-Forwarded-For is ignored unless the deployment says how many proxies append to it (and,
# optionally, which addresses they connect from): a client cannot reset limits with a header.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

if REDIS_SENTINELS:
    # django-redis asks the sentinels for the master named in the LOCATION's host part. One server
    # in a list: reads go to the master as well (a string would send them to a replica, and the
    # throttles' counters must read what was just written).
    _REDIS_LOCATION = [f"redis://{REDIS_SENTINEL_MASTER}/{REDIS_SENTINEL_DB}"]
    _REDIS_OPTIONS = {
        "CLIENT_CLASS": "django_redis.client.SentinelClient",
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": REDIS_SENTINELS,
        "SENTINEL_KWARGS": {"password": REDIS_SENTINEL_PASSWORD} if REDIS_SENTINEL_PASSWORD else {},
        **({"PASSWORD": REDIS_PASSWORD} if REDIS_PASSWORD else {}),
    }
else:
    _REDIS_LOCATION, _REDIS_OPTIONS = REDIS_URL, {}
if _REDIS_LOCATION:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _REDIS_LOCATION,
            "OPTIONS": {
                **_REDIS_OPTIONS,
                # A Redis outage must not turn API calls into 500s: throttling and
                # heartbeats degrade, requests still succeed.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
    # The throttles' counters: errors are raised, not ignored, so the throttles notice an
    # outage and count in local memory instead of silently letting everything through.
    CACHES["throttle"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _REDIS_LOCATION,
        "KEY_PREFIX": "throttle",
        "OPTIONS": {
            **_REDIS_OPTIONS,
            "IGNORE_EXCEPTIONS": False,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
    }

# --- E-mail -----------------------------------------------------------------
if "EMAIL_URL" in env.ENVIRON:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
    EMAIL_HOST = env("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Exchange Support <support@desk.example>")
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_SENTINELS:
    # kombu: one sentinel:// URL per sentinel, ";"-separated; the master by name (transport options).
    _master_auth = f":{quote(REDIS_PASSWORD, safe='')}@" if REDIS_PASSWORD else ""
    CELERY_BROKER_URL = ";".join(
        f"sentinel://{_master_auth}{host}:{port}/{REDIS_SENTINEL_DB}" for host, port in REDIS_SENTINELS
    )
CELERY_BROKER_FOLDER = VAR_DIR / "celery" / "broker"
CELERY_BROKER_PROCESSED_FOLDER = VAR_DIR / "celery" / "processed"
if not (REDIS_URL or REDIS_SENTINELS):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_PROCESSED_FOLDER),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_BACKEND = None
if REDIS_SENTINELS:
    _sentinel_options = {
        "master_name": REDIS_SENTINEL_MASTER,
        **({"sentinel_kwargs": {"password": REDIS_SENTINEL_PASSWORD}} if REDIS_SENTINEL_PASSWORD else {}),
    }
    CELERY_BROKER_TRANSPORT_OPTIONS.update(_sentinel_options)
    # Task results are not stored (CELERY_TASK_IGNORE_RESULT); a result backend set to the broker's
    # sentinel:// URL would find the same master.
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = dict(_sentinel_options)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a request must fail fast when the broker is down: the outbox
# row is already committed and the periodic drain delivers it later.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ROUTES = {
    # A broadcast's fan-out and its e-mails: never in front of a ticket's mail or an escalation.
    "notifications.outbox_fan_out": {"queue": "bulk"},
    "notifications.outbox_deliver_bulk": {"queue": "bulk"},
    # An incident update's messages on its linked tickets (incidents.broadcast).
    "incidents.*": {"queue": "bulk"},
    "notifications.*": {"queue": "notifications"},
    "ops.*": {"queue": "notifications"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Also how soon a crashed worker's unsent rows are handed over again (after their lease): seconds, not minutes.
OUTBOX_DRAIN_SECONDS = env.int("OUTBOX_DRAIN_SECONDS", default=10)
# The lease a worker takes on an outbox row while it renders and sends it (a killed worker's row
# goes to another after it), and how long a broadcast's rows wait in the bulk queue before the
# drain hands them over again (notifications.services LEASE and BULK_REDRIVE).
# Safe while one render and send fits in it: twice the SMTP timeout (each SMTP step waits at most
# EMAIL_TIMEOUT), at least 30 s. A worker killed mid-send delays that one e-mail by this much.
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=max(30.0, 2 * EMAIL_TIMEOUT))
# How long the task sending new outbox rows waits for more once none is left before it ends
# (notifications.services.outbox_deliver_new): during a surge one task keeps sending, instead of
# one task per few e-mails. 0 ends it at once (the test settings: tasks run eagerly there).
OUTBOX_NEW_ROWS_LINGER_SECONDS = env.float("OUTBOX_NEW_ROWS_LINGER_SECONDS", default=0.2)
# A redrive sends nothing twice (each row is claimed before it is sent), so it can be short: a
# worker killed mid-broadcast delays the rest of its task's e-mails by a minute, and a row still
# waiting behind a long broadcast is at worst handed over once more a minute.
OUTBOX_BULK_REDRIVE_SECONDS = env.float("OUTBOX_BULK_REDRIVE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "outbox-drain": {"task": "notifications.outbox_drain", "schedule": OUTBOX_DRAIN_SECONDS},
    "worker-heartbeat": {"task": "ops.heartbeat", "schedule": 30.0},
    "incident-broadcast-drain": {"task": "incidents.broadcast_drain", "schedule": 60.0},
}

# --- REST API -------------------------------------------------------------------
API_THROTTLE_ENABLED = env("API_THROTTLE", default="on").lower() not in OFF_VALUES
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not logged in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "tickets.guest.GuestTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "support_desk.parsers.JSONParser",
        "support_desk.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "support_desk.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "support_desk.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "support_desk.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        "ticket_create": env("THROTTLE_TICKET_CREATE", default="30/hour"),
        "message_create": env("THROTTLE_MESSAGE_CREATE", default="120/hour"),
        "auth": env("THROTTLE_AUTH", default="20/minute"),
        "upload": env("THROTTLE_UPLOAD", default="60/hour"),
        "guest_ip": env("THROTTLE_GUEST_IP", default="10/hour"),
        "guest_email": env("THROTTLE_GUEST_EMAIL", default="3/hour"),
        # The no-login emergency path ("my account is compromised"): each one asks for a freeze.
        "emergency_ip": env("THROTTLE_EMERGENCY_IP", default="5/hour"),
        "emergency_email": env("THROTTLE_EMERGENCY_EMAIL", default="3/hour"),
        "public": env("THROTTLE_PUBLIC", default="120/minute"),
        # The desk's presence heartbeat (one every 4 s per open workspace): room for a few tabs.
        "presence": env("THROTTLE_PRESENCE", default="90/minute"),
        # Reveals of a customer's masked personal data, per staff member (tickets.privacy).
        "reveal": env("THROTTLE_REVEAL", default="60/hour"),
        # Merges and splits of tickets, per staff member (tickets.merge).
        "merge_split": env("THROTTLE_MERGE_SPLIT", default="120/hour"),
        # Password reset and e-mail confirmation mails: per client IP, and per target address.
        "account_mail_ip": env("THROTTLE_ACCOUNT_MAIL_IP", default="10/hour"),
        "account_mail_email": env("THROTTLE_ACCOUNT_MAIL_EMAIL", default="3/hour"),
        # The inbound e-mail webhook, per client IP (a mail provider's relays).
        "inbound_email": env("THROTTLE_INBOUND_EMAIL", default="600/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Exchange Support Desk API",
    "DESCRIPTION": (
        "Tickets, messages, attachments, queue and macros for an exchange's support desk. "
        "Authenticate with a session or `Authorization: Token <key>` from `POST /api/v1/auth/token/`.\n\n"
        "Errors are JSON, never a 500: 400 with field errors (also a NUL character anywhere in the URL, JSON "
        "nested deeper than 64 levels, a `page` that is not a whole number from 1, a `cursor` not taken from a "
        "`next` link); 401 not authenticated; 403 not allowed; 404 not found, or a page past the last; 409 a "
        "conflicting change; 413 a body over the limit (1 MiB; an upload: the attachment limit); 414 a URL over "
        "8,192 characters; 415 an unsupported content type; 429 throttled, with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "PriorityEnum": "tickets.models.Priority",
        "ChannelEnum": "tickets.models.Ticket.Channel",
        "OfficialContactChannelEnum": "knowledge.models.OfficialContact.Channel",
        "MetricEnum": "sla.models.Metric",
        "TierEnum": "accounts.models.CustomerProfile.Tier",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        # A ticket's waiting side and a person's role share one set of values.
        "PartyEnum": [("agent", "agent"), ("customer", "customer")],
        "ComplaintStatusEnum": "sla.models.Complaint.Status",
        "ComplaintPresetEnum": "sla.models.ComplaintPreset",
    },
}

# --- Desk rules ---------------------------------------------------------------
TICKET_SUBJECT_MAX_LENGTH = 200
MESSAGE_BODY_MAX_LENGTH = 20_000
# A customer's place in the queue is counted exactly up to this many tickets ahead (an index range
# read, bounded in work); further back it is an estimate (`queue.position_exact: false`).
QUEUE_POSITION_EXACT_UP_TO = env.int("QUEUE_POSITION_EXACT_UP_TO", default=1000)
# Far beyond that bound (twice it), a process reuses its last count of the team's queue for this
# many seconds, extended by the queue's density, instead of reading the range again for every new
# ticket of a surge (tickets.selectors._reuse_far_back). 0 counts every time.
QUEUE_POSITION_REUSE_SECONDS = env.float("QUEUE_POSITION_REUSE_SECONDS", default=1.0)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Any request body but a multipart upload (JSON, forms); larger ones get a 413 (support_desk.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# Path plus query string; longer ones get a 414.
MAX_URL_LENGTH = env.int("MAX_URL_LENGTH", default=8192)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-password")
GUEST_LINK_MAX_AGE = env.int("GUEST_LINK_MAX_AGE", default=7 * 24 * 3600)
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=30)

# --- Logins ------------------------------------------------------------------------------
# Per account and client (django-axes, in the database, so it holds when Redis is down): after
# LOGIN_FAILURE_LIMIT failures that account is refused from that client for LOGIN_LOCKOUT_MINUTES.
# Only the combination locks: an attacker elsewhere cannot lock the real user out. Per client,
# across accounts: the `auth` throttle on every login form (LOGIN_FORM_PATHS) and on auth/token/.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "support_desk.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# The second step (the two-factor code) counts against the same per-client limit.
LOGIN_FORM_PATHS = ["/login/", "/admin/login/", "/login/code/", "/admin/login/code/"]

# --- Two-factor authentication (django-otp) --------------------------------------------------
# Staff (agents, leads, admins) who enrolled at /desk/security/ always get the second step; with
# STAFF_2FA_REQUIRED every staff member must enrol before using the desk, the admin or a token.
# Off by default: the demo accounts are not enrolled.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Exchange Support Desk")
STAFF_RECOVERY_CODES = 10
# How long the second step waits for its code after the password was right.
TWO_FACTOR_STEP_SECONDS = 300
# A password reset link, and an e-mail change confirmation, work this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=2 * 3600)
EMAIL_CHANGE_MAX_AGE = env.int("EMAIL_CHANGE_MAX_AGE", default=2 * 24 * 3600)

# --- Logs and metrics (support_desk.log_format, support_desk.request_id, support_desk.metrics, ops.metrics) ---
# LOG_FORMAT: `json` (one object per line; the production default) or `text`. Every line carries the
# request id (X-Request-ID), in the web process and in the Celery tasks a request queued.
LOG_FORMAT = env("LOG_FORMAT", default="text")
# Case-insensitive, as gunicorn.conf.py reads it: LOG_LEVEL=info must not stop every process at boot.
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# The worker keeps LOGGING (same format, request ids) instead of installing its own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics: open when METRICS_PUBLIC (local, tests); otherwise only to `Authorization: Bearer
# <METRICS_TOKEN>` or to a client in METRICS_ALLOWED_NETWORKS (addresses or CIDR networks, read as
# support_desk.client_ip reads them). Production defaults to closed.
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=True)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
# Tickets by status, priority and SLA state are counted by a beat task (ops.ticket_counts), not per
# scrape: one GROUP BY over the tickets every this many seconds; /metrics reads the stored count.
OPS_TICKET_COUNT_SECONDS = env.float("OPS_TICKET_COUNT_SECONDS", default=60)

# --- SLA ------------------------------------------------------------------------------
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=15)
SLA_SWEEP_BATCH_SIZE = env.int("SLA_SWEEP_BATCH_SIZE", default=500)
# Threads per sweep on PostgreSQL, each with its own connection (SKIP LOCKED gives them disjoint batches).
SLA_SWEEP_WORKERS = env.int("SLA_SWEEP_WORKERS", default=2)
# Connections the SLA report's statements run on side by side (PostgreSQL; one snapshot for all).
SLA_REPORT_WORKERS = env.int("SLA_REPORT_WORKERS", default=2)
# Reminders to a customer the desk is waiting on, in hours after the ticket started waiting.
SLA_CUSTOMER_REMINDER_HOURS = env.list("SLA_CUSTOMER_REMINDER_HOURS", cast=int, default=[24, 72])
SLA_PENDING_AUTO_CLOSE_DAYS = env.int("SLA_PENDING_AUTO_CLOSE_DAYS", default=7)
SLA_SOLVED_AUTO_CLOSE_DAYS = env.int("SLA_SOLVED_AUTO_CLOSE_DAYS", default=3)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
# A webhook delivery's lease (notifications.webhooks LEASE): longer than one POST can take (connect
# and read each wait at most WEBHOOK_TIMEOUT), at least 30 s; a killed worker's delivery is retried after it.
WEBHOOK_LEASE_SECONDS = env.float("WEBHOOK_LEASE_SECONDS", default=max(30.0, 3 * WEBHOOK_TIMEOUT))
CELERY_BEAT_SCHEDULE["sla-sweep"] = {"task": "sla.sweep", "schedule": SLA_SWEEP_SECONDS}
CELERY_BEAT_SCHEDULE["sla-reminders"] = {"task": "sla.customer_reminders", "schedule": 60.0}
# Formal complaints' statutory deadlines (sla.complaints): each missed one recorded once, at its due time.
CELERY_BEAT_SCHEDULE["sla-complaint-deadlines"] = {"task": "sla.complaint_deadlines", "schedule": 60.0}
# The contact an acknowledgement gives when the complaint policy names none.
COMPLAINTS_CONTACT = env("COMPLAINTS_CONTACT", default="complaints@desk.example")
# How often the open tickets are counted for the report's backlog over time (the day keeps its last count).
SLA_BACKLOG_SNAPSHOT_SECONDS = env.float("SLA_BACKLOG_SNAPSHOT_SECONDS", default=900)
CELERY_BEAT_SCHEDULE["sla-backlog-snapshot"] = {
    "task": "sla.backlog_snapshot",
    "schedule": SLA_BACKLOG_SNAPSHOT_SECONDS,
}
CELERY_TASK_ROUTES["sla.*"] = {"queue": "sla"}
# The recently active tickets' audit hash chains (tickets.audit_chain): a break is logged and
# recorded on its ticket as an audit_chain_broken event.
AUDIT_CHAIN_CHECK_SECONDS = env.float("AUDIT_CHAIN_CHECK_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["audit-chain-check"] = {"task": "tickets.audit_chain_check", "schedule": AUDIT_CHAIN_CHECK_SECONDS}
CELERY_BEAT_SCHEDULE["ops-ticket-counts"] = {"task": "ops.ticket_counts", "schedule": OPS_TICKET_COUNT_SECONDS}

# Inbound e-mail (tickets.inbound): mail to the desk opens guest tickets and threads replies.
# The desk's address; its customer e-mails then carry Reply-To: <local>+<ticket token>@<domain>.
INBOUND_EMAIL_ADDRESS = env("INBOUND_EMAIL_ADDRESS", default="")
# The inbound webhook's shared secret (header X-Inbound-Secret, or the password of HTTP basic
# auth); empty: the endpoint refuses everything.
INBOUND_WEBHOOK_SECRET = env("INBOUND_WEBHOOK_SECRET", default="")
INBOUND_DEFAULT_CATEGORY = env("INBOUND_DEFAULT_CATEGORY", default="other")
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
# New tickets one sender address may open by e-mail per hour (a mail loop or a flood stops there).
INBOUND_NEW_TICKETS_PER_SENDER_HOUR = env.int("INBOUND_NEW_TICKETS_PER_SENDER_HOUR", default=5)
INBOUND_IMAP_HOST = env("INBOUND_IMAP_HOST", default="")
INBOUND_IMAP_PORT = env.int("INBOUND_IMAP_PORT", default=993)
INBOUND_IMAP_SSL = env.bool("INBOUND_IMAP_SSL", default=True)
INBOUND_IMAP_USER = env("INBOUND_IMAP_USER", default="")
INBOUND_IMAP_PASSWORD = env("INBOUND_IMAP_PASSWORD", default="")
INBOUND_IMAP_MAILBOX = env("INBOUND_IMAP_MAILBOX", default="INBOX")
INBOUND_IMAP_POLL_SECONDS = env.float("INBOUND_IMAP_POLL_SECONDS", default=60)
if INBOUND_IMAP_HOST:  # the poll runs only where a mailbox is configured
    CELERY_BEAT_SCHEDULE["inbound-imap-poll"] = {
        "task": "tickets.inbound_imap_poll",
        "schedule": INBOUND_IMAP_POLL_SECONDS,
    }
