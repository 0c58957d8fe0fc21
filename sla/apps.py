from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from . import hooks, notifications, read_model, tasks  # noqa: F401 - tasks: registered by name
        from .config_cache import connect_signals

        # Configuration writes change the version the ticket services' cached snapshot is read by.
        connect_signals()
        # The clocks follow the ticket lifecycle (tickets.hooks); the ticket pages and e-mails show
        # them through tickets.sla_view; the sweep's alerts and webhooks go through the outbox.
        hooks.connect()
        read_model.register()
        notifications.register()
