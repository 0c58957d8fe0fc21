"""The test suite: fast hashing, in-memory e-mail, tasks run in-process unless a test starts a worker."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_BROKER_URL, REST_FRAMEWORK

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Eager tasks run inside the request: the outbox task must not wait for more rows there.
OUTBOX_NEW_ROWS_LINGER_SECONDS = 0.0
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "ticket_create": "1000/hour",
        "message_create": "1000/hour",
        "auth": "1000/minute",
        "upload": "1000/hour",
    },
}

if CELERY_BROKER_URL.startswith("filesystem"):
    # The integration tests' worker gets a broker folder of its own, apart from `make run`'s.
    _broker = BASE_DIR / "var" / "test-celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "processed_folder": str(_broker / "processed"),
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
