from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from .config_cache import connect_signals

        # Configuration writes change the version the ticket services' cached snapshot is read by.
        connect_signals()
