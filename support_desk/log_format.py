"""LOGGING for every process (web, Celery worker and beat, gunicorn's own logs): LOG_FORMAT=json
(python-json-logger: one JSON object per line, the production default) or text (local default).

Each line carries `request_id` (support_desk.request_id); a task's lines also `task_id` and
`task_name`. gunicorn's access lines get their request's id, status and duration as fields too.
"""

import logging
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
JSON_RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}


class GunicornAccessFields(logging.Filter):
    """gunicorn logs an access line with its atoms (a dict) as the record's args: the useful ones as fields."""

    ATOMS = {"request_id": "{x-request-id}o", "status": "s", "method": "m", "path": "U", "duration_ms": "M"}

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, dict) else {}
        for field, atom in self.ATOMS.items():
            value = atoms.get(atom)
            if value not in (None, "", "-"):
                setattr(record, field, value)
        return True


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "support_desk.request_id.RequestIdFilter"}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": JSON_RENAME,
                "timestamp": False,
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formatter, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


def gunicorn_logconfig(*, log_format: str, level: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error and access logs in the same format as the app's."""
    config = logging_config(log_format=log_format, level=level)
    config["filters"]["access_fields"] = {"()": "support_desk.log_format.GunicornAccessFields"}
    config["handlers"]["access"] = {
        **config["handlers"]["console"],
        "filters": ["request_id", "access_fields"],
        "stream": "ext://sys.stdout",
    }
    config["loggers"].update(
        {
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        }
    )
    return config
