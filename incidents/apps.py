from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from notifications.webhooks import register_webhook_events

        from . import emails, hooks, read_model, snapshot, tasks  # noqa: F401 - tasks: registered by name
        from .services import INCIDENT_UPDATED

        # The active incidents new tickets are matched against, in memory; matching tickets are
        # linked and answered inside the creating transaction (tickets.hooks.TicketCreated); the
        # ticket detail shows the incident card (tickets.incident_view); the update e-mails.
        snapshot.connect_signals()
        hooks.connect()
        read_model.register()
        emails.register()
        register_webhook_events({INCIDENT_UPDATED: _("Incident updated")})
