"""The read replica the reports read from (REPORTS_DATABASE_URL), when one is configured.

The router sends nothing there on its own: reads and writes go to "default" as without it, and no
migration runs on the replica (it follows the primary). The report code names the alias itself
(reports_alias()), so a report reads the replica and nothing else does."""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPORTS_ALIAS = "reports"


def reports_alias() -> str:
    """The database the reports read: the replica when configured, otherwise the primary."""
    return REPORTS_ALIAS if REPORTS_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


class ReportsReplicaRouter:
    def db_for_read(self, model, **hints):
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPORTS_ALIAS else None
