"""The SLA app's e-mails and webhooks: the staff alerts a sweep queues as one batch row (fanned
out by a worker, rendered in each recipient's language when sent), and the ticket.sla_* /
ticket.escalated events of fired steps (to every subscribed endpoint and to the step's own).
Registered with the outbox in SlaConfig.ready()."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import AgentProfile
from notifications.models import OutboxMessage
from notifications.services import register_fan_out
from notifications.webhooks import WebhookEvent, register_webhook_events
from tickets.models import Ticket

from .models import EscalationStep

# The purpose of the sweep's batch row (sweep._write_effects).
ALERTS_PURPOSE = "sla_alerts"


def _with_ticket_and_language(alerts: list[dict]) -> list[dict]:
    """The alerts with their ticket and the language each recipient reads (two queries a batch)."""
    tickets = {
        t.reference: t for t in Ticket.objects.filter(reference__in={a["ref"] for a in alerts}).select_related("team")
    }
    languages = {
        email: staff_language(spoken)
        for email, spoken in AgentProfile.objects.filter(user__email__in={a["to"] for a in alerts}).values_list(
            "user__email", "languages"
        )
    }
    return [
        {**alert, "ticket": tickets.get(alert["ref"]), "language": languages.get(alert["to"], settings.LANGUAGE_CODE)}
        for alert in alerts
    ]


def staff_language(spoken: list[str] | None) -> str:
    """The language a staff member's alerts are written in: the first of the languages on their
    agent profile that the desk ships, else the site's default."""
    shipped = {code for code, _name in settings.LANGUAGES}
    return next((code.lower() for code in spoken or [] if code.lower() in shipped), settings.LANGUAGE_CODE)


def _sla_alert_row(alert: dict, *, now: datetime) -> OutboxMessage:
    """A staff alert from a sweep, rendered in the recipient's language when it is sent."""
    ticket = alert["ticket"]
    reference = alert["ref"]
    return OutboxMessage(
        kind=OutboxMessage.Kind.EMAIL,
        recipient=alert["to"],
        subject=f"[{reference}] SLA {alert['percent']}% {alert['metric']}",
        payload={
            "template": "sla_escalation",
            "language": alert.get("language", settings.LANGUAGE_CODE),
            "context": {
                "reference": reference,
                "subject": ticket.subject if ticket else "",
                "metric": alert["metric"],
                "percent": alert["percent"],
                "kind": alert["kind"],
                "due_at": alert["due"],
                "priority": ticket.priority if ticket else "",
                "team": ticket.team.name if ticket else "",
                "recipient_name": alert["name"],
                "ticket_url": f"{settings.SITE_URL}/desk/tickets/{reference}/",
            },
        },
        purpose=f"sla_{alert['kind']}",
        ticket_reference=reference,
        created_at=now,
        next_attempt_at=now,
    )


def sla_alert_rows(alerts: list[dict[str, Any]], now: datetime) -> list[OutboxMessage]:
    return [_sla_alert_row(alert, now=now) for alert in _with_ticket_and_language(alerts)]


# The webhook event of a fired step, by the step's event kind (EscalationStep.event_kind).
STEP_EVENTS = {
    "sla_warning": "ticket.sla_warning",
    "sla_breached": "ticket.sla_breached",
    "escalated": "ticket.escalated",
}
EVENTS = {
    "ticket.sla_warning": _("SLA warning (a step before the target)"),
    "ticket.sla_breached": _("SLA breached"),
    "ticket.escalated": _("Ticket escalated (a step after the target)"),
}


def step_webhook_event(*, step: EscalationStep, ticket: Any, clock: Any, now: datetime) -> WebhookEvent:
    """A fired step as a webhook event: to the endpoints subscribed to it and to the step's own
    endpoint, if it has one. `ticket` and `clock` are the sweep's rows (after the step's changes,
    so the body says the ticket as it is)."""
    kind = step.event_kind
    return WebhookEvent(
        event=STEP_EVENTS[kind],
        reference=ticket.reference,
        endpoint_id=step.webhook_endpoint_id,
        data={
            "ticket": {
                "reference": ticket.reference,
                "priority": ticket.priority,
                "status": ticket.status,
                "team": ticket.team.code,
                "category": ticket.category.code,
            },
            "sla": {
                "metric": clock.metric,
                "percent": step.percent,
                "cycle": clock.cycle,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
                "kind": kind,
            },
        },
    )


def register() -> None:
    register_fan_out(ALERTS_PURPOSE, sla_alert_rows)
    register_webhook_events(EVENTS)
