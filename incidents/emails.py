"""The e-mail of an incident update: one per linked customer, in their language, queued by
incident_post_update as one outbox batch (notifications.outbox_fan_out) and fanned out by a
worker on the `bulk` queue with the recipient query below; rendered when each is sent."""

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from notifications.services import register_email_context, register_recipient_query
from tickets.models import Ticket

from . import texts
from .models import IncidentLink, IncidentUpdate
from .services import RECIPIENT_QUERY, UPDATE_EMAIL


def update_recipients(args: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every customer with a ticket linked to the update's incident when it was posted (closed
    tickets left out): one e-mail each, however many of their tickets are linked."""
    update = IncidentUpdate.objects.filter(pk=args["update_id"]).first()
    if update is None:
        return
    rows = (
        IncidentLink.objects.filter(incident_id=update.incident_id, linked_at__lte=update.created_at)
        .exclude(ticket__status=Ticket.Status.CLOSED)
        .order_by("ticket__requester_id", "ticket_id")
        .values_list(
            "ticket__requester_id",
            "ticket__requester__email",
            "ticket__requester__first_name",
            "ticket__requester__username",
            "ticket__requester__customer_profile__language",
            "ticket__requester__customer_profile__anti_phishing_code",
            "ticket__language",
            "ticket__reference",
            "ticket__channel",
        )
        .iterator(chunk_size=2000)
    )
    current: dict[str, Any] | None = None
    current_id = None
    for requester_id, email, first_name, username, language, code, ticket_language, reference, channel in rows:
        if requester_id != current_id:
            if current is not None:
                yield current
            current_id = requester_id
            guest = channel in (Ticket.Channel.GUEST, Ticket.Channel.EMAIL)  # e-mailed tickets are guest tickets
            current = {
                "to": email,
                "language": texts.language_of(language or ticket_language),
                "context": {
                    "customer_name": first_name or ("" if guest else username),
                    "anti_phishing_code": code or "",
                    "is_guest": guest,
                    "references": [],
                    # A guest's private link is minted per ticket e-mail; the status page is public.
                    "ticket_url": "" if guest else f"{settings.SITE_URL}/tickets/{reference}/",
                },
            }
        current["context"]["references"].append(reference)
    if current is not None:
        yield current


def _update_context(facts: dict[str, Any]) -> dict[str, Any]:
    update = IncidentUpdate.objects.select_related("incident").filter(pk=facts.get("update_id")).first()
    if update is None:
        return facts
    source = update.incident
    return {
        **facts,
        "incident": {
            "title": source.localized("title"),
            "status": source.Status(update.status).label,
            "resolved": update.status == source.Status.RESOLVED,
        },
        "update": {"body": update.localized(), "eta": texts.eta_text(update.eta)},
        "status_url": f"{settings.SITE_URL}/status/",
        "site_url": settings.SITE_URL,
    }


def register() -> None:
    register_recipient_query(RECIPIENT_QUERY, update_recipients)
    register_email_context(UPDATE_EMAIL, _update_context)
