from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the guest-link auth scheme with drf-spectacular
