"""The e-mails the desk sends about tickets, each written to the outbox with its cause."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from .services import outbox_enqueue_email

if TYPE_CHECKING:
    from accounts.models import User
    from tickets.models import Message, Ticket


def _customer_language(user: "User") -> str:
    profile = getattr(user, "customer_profile", None)
    return profile.language if profile else "en"


def _customer_context(ticket: "Ticket") -> dict:
    requester = ticket.requester
    profile = getattr(requester, "customer_profile", None)
    ticket_url = f"{settings.SITE_URL}/tickets/{ticket.reference}/"
    if ticket.channel == "guest":
        from tickets.guest import guest_token

        # A guest cannot log in: every e-mail carries a fresh private link to the ticket.
        ticket_url = f"{settings.SITE_URL}/guest/{guest_token(ticket_id=ticket.pk, user_id=requester.pk)}/"
    return {
        "ticket": ticket,
        "customer_name": requester.first_name or requester.username,
        "anti_phishing_code": profile.anti_phishing_code if profile else "",
        "ticket_url": ticket_url,
        "site_url": settings.SITE_URL,
    }


def _promises(ticket: "Ticket") -> dict:
    from sla.selectors import customer_promises

    return customer_promises(ticket)


def ticket_created(*, ticket: "Ticket", now: datetime) -> None:
    from tickets.selectors import ticket_queue_info

    context = _customer_context(ticket)
    context["queue"] = ticket_queue_info(ticket=ticket, now=now)
    context["sla"] = _promises(ticket)
    outbox_enqueue_email(
        to=ticket.requester.email,
        template="ticket_created",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="ticket_created",
        ticket_reference=ticket.reference,
        now=now,
    )


def agent_replied(*, ticket: "Ticket", message: "Message", now: datetime) -> None:
    context = _customer_context(ticket)
    context["message"] = message
    context["agent_name"] = message.author.first_name or message.author.username if message.author else ""
    outbox_enqueue_email(
        to=ticket.requester.email,
        template="agent_replied",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="agent_replied",
        ticket_reference=ticket.reference,
        now=now,
    )


def ticket_assigned(*, ticket: "Ticket", assignee: "User", actor: "User", now: datetime) -> None:
    agent_profile = getattr(assignee, "agent_profile", None)
    languages = agent_profile.languages if agent_profile else []
    outbox_enqueue_email(
        to=assignee.email,
        template="ticket_assigned",
        context={
            "ticket": ticket,
            "assignee_name": assignee.first_name or assignee.username,
            "actor_name": actor.get_full_name() or actor.username,
            "ticket_url": f"{settings.SITE_URL}/desk/tickets/{ticket.reference}/",
            "api_url": f"{settings.SITE_URL}/api/v1/tickets/{ticket.reference}/",
        },
        language="zh-hans" if languages[:1] == ["zh-hans"] else "en",
        purpose="ticket_assigned",
        ticket_reference=ticket.reference,
        now=now,
    )


def customer_reminder(*, ticket: "Ticket", hours: int, closes_at: datetime, now: datetime) -> None:
    context = _customer_context(ticket)
    context.update({"hours": hours, "closes_at": closes_at})
    outbox_enqueue_email(
        to=ticket.requester.email,
        template="customer_reminder",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="customer_reminder",
        ticket_reference=ticket.reference,
        now=now,
    )


def ticket_auto_closed(*, ticket: "Ticket", reason: str, now: datetime) -> None:
    context = _customer_context(ticket)
    context["reason"] = reason
    outbox_enqueue_email(
        to=ticket.requester.email,
        template="ticket_auto_closed",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="ticket_auto_closed",
        ticket_reference=ticket.reference,
        now=now,
    )


def rating_invitation(*, ticket: "Ticket", now: datetime) -> None:
    context = _customer_context(ticket)
    context["rate_url"] = f"{settings.SITE_URL}/tickets/{ticket.reference}/#rate"
    outbox_enqueue_email(
        to=ticket.requester.email,
        template="rating_invitation",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="rating_invitation",
        ticket_reference=ticket.reference,
        now=now,
    )


def guest_link(*, ticket: "Ticket", email: str, token: str, now: datetime) -> None:
    context = _customer_context(ticket)
    context["guest_url"] = f"{settings.SITE_URL}/guest/{token}/"
    context["valid_days"] = settings.GUEST_LINK_MAX_AGE // 86400
    outbox_enqueue_email(
        to=email,
        template="guest_link",
        context=context,
        language=_customer_language(ticket.requester),
        purpose="guest_link",
        ticket_reference=ticket.reference,
        now=now,
    )
