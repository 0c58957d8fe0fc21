from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The relay hands rows to the delivery tasks by their names (services._task).
        from . import tasks  # noqa: F401
        from .webhooks import connect_signals

        connect_signals()
