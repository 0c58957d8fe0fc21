"""The e-mails the desk sends about tickets, each written to the outbox with its cause (the
outbox, transports and rendering are notifications'; what a ticket's e-mails say is the tickets').

Every one is queued as facts (references, names, times, ids) and rendered when it is sent, in the
recipient's language: nothing renders inside a service's transaction or under the ticket's row
lock, and a row holds no bearer secret (a guest's link is minted by the sender). What a template
needs beyond its facts is read at send time by the builders register() gives the outbox.
"""

from datetime import datetime
from typing import Any

from django.conf import settings

from accounts.models import User
from notifications.services import (
    LINK_PLACEHOLDER,
    outbox_enqueue_template,
    register_automatic_purposes,
    register_email_context,
    register_reply_to,
)

from . import sla_view
from .models import Message, Ticket

# tickets.guest registers the minter of a guest's private link under this name.
GUEST_LINK_MINTER = "tickets.guest_link"
# The e-mails to a ticket's customer: they carry the ticket's reply address (Reply-To), and an
# inbound mail answering one of them (In-Reply-To/References) joins the ticket (tickets.inbound).
# Staff e-mails (ticket_assigned) are not among them: a reply to one is never the customer's.
CUSTOMER_PURPOSES = (
    "ticket_created",
    "agent_replied",
    "letter_sent",
    "customer_reminder",
    "ticket_auto_closed",
    "tickets_merged",
    "rating_invitation",
    "guest_link",
    "account_compromise_reported",
)
# Of those, the ones the desk writes by itself (Auto-Submitted: auto-replied): an auto-responder
# that honours it does not answer them, so an acknowledgement never starts a mail loop.
AUTOMATIC_PURPOSES = (
    "ticket_created",
    "customer_reminder",
    "ticket_auto_closed",
    "rating_invitation",
    "guest_link",
    "account_compromise_reported",
)


def _customer_language(user: User) -> str:
    profile = getattr(user, "customer_profile", None)
    return profile.language if profile else "en"


def _customer_context(ticket: Ticket) -> dict:
    requester = ticket.requester
    profile = getattr(requester, "customer_profile", None)
    ticket_url = f"{settings.SITE_URL}/tickets/{ticket.reference}/"
    if _is_guest(ticket):
        # A guest cannot log in: every e-mail carries a fresh private link, minted when it is sent.
        ticket_url = LINK_PLACEHOLDER
    return {
        "ticket": _ticket_facts(ticket),
        "customer_name": requester.first_name or requester.username,
        "anti_phishing_code": profile.anti_phishing_code if profile else "",
        "ticket_url": ticket_url,
        "site_url": settings.SITE_URL,
    }


def _ticket_facts(ticket: Ticket) -> dict[str, Any]:
    return {"reference": ticket.reference, "subject": ticket.subject}


def _is_guest(ticket: Ticket) -> bool:
    # An e-mailed ticket (tickets.inbound) is a guest ticket too: its sender proves the mailbox by the link.
    return ticket.channel in Ticket.GUEST_CHANNELS


def _guest_mint(ticket: Ticket, email: str) -> dict | None:
    if not _is_guest(ticket):
        return None
    return {"name": GUEST_LINK_MINTER, "ticket_id": ticket.pk, "email": email}


def _promises(ticket: Ticket) -> dict:
    return sla_view.promises(ticket)


def _to_customer(
    *,
    ticket: Ticket,
    template: str,
    now: datetime,
    to: str | None = None,
    language: str | None = None,
    context: dict | None = None,
    **extra,
) -> None:
    """One customer e-mail about a ticket: in their language (unless `language` is given), with
    their anti-phishing code. `context`: the caller's _customer_context when it changed a part."""
    context = {**(_customer_context(ticket) if context is None else context), **extra}
    to = ticket.requester.email if to is None else to
    outbox_enqueue_template(
        to=to,
        template=template,
        context=context,
        language=_customer_language(ticket.requester) if language is None else language,
        purpose=template,
        ticket_reference=ticket.reference,
        mint=_guest_mint(ticket, to),
        now=now,
    )


def ticket_created(*, ticket: Ticket, queue: dict, now: datetime) -> None:
    """The acknowledgement of a new ticket, rendered when it is sent (not inside the creating
    transaction) from the facts of the moment: reference, subject, team, place, promises."""
    context = _customer_context(ticket)
    _to_customer(
        ticket=ticket,
        template="ticket_created",
        now=now,
        context={**context, "ticket": {**context["ticket"], "team": {"name": ticket.team.name}}},
        queue=queue,
        sla=_promises(ticket),
    )


def agent_replied(*, ticket: Ticket, message: Message, now: datetime) -> None:
    author = message.author
    agent_name = (author.first_name or author.username) if author else ""
    # The reply's text is read when the mail is sent (_agent_replied_context), not copied here.
    _to_customer(ticket=ticket, template="agent_replied", now=now, message_id=message.pk, agent_name=agent_name)


def letter_sent(*, ticket: Ticket, message: Message, title: str, language: str, now: datetime) -> None:
    """A formal letter (a complaint's acknowledgement, holding reply, final response...) by
    e-mail, in the letter's language (`title`: its heading, already in that language). Its text
    is the message's, read when the mail is sent."""
    _to_customer(ticket=ticket, template="letter_sent", now=now, language=language, message_id=message.pk, title=title)


def _agent_replied_context(facts: dict[str, Any]) -> dict[str, Any]:
    body = Message.objects.filter(pk=facts.get("message_id")).values_list("body", flat=True).first() or ""
    return {**facts, "message": {"body": body}}


def ticket_assigned(*, ticket: Ticket, assignee: User, actor: User, now: datetime) -> None:
    agent_profile = getattr(assignee, "agent_profile", None)
    languages = agent_profile.languages if agent_profile else []
    outbox_enqueue_template(
        to=assignee.email,
        template="ticket_assigned",
        context={
            # Labels (priority, status, team, category) are read and translated when it is sent.
            "ticket": {"id": ticket.pk, "reference": ticket.reference, "subject": ticket.subject},
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


def _ticket_assigned_context(facts: dict[str, Any]) -> dict[str, Any]:
    ticket = Ticket.objects.select_related("team", "category").filter(pk=facts["ticket"]["id"]).first()
    return {**facts, "ticket": ticket} if ticket is not None else facts


def customer_reminder(*, ticket: Ticket, hours: int, closes_at: datetime, now: datetime) -> None:
    _to_customer(ticket=ticket, template="customer_reminder", now=now, hours=hours, closes_at=closes_at)


def ticket_auto_closed(*, ticket: Ticket, reason: str, now: datetime) -> None:
    _to_customer(ticket=ticket, template="ticket_auto_closed", now=now, reason=reason)


def tickets_merged(*, ticket: Ticket, duplicate: Ticket, now: datetime) -> None:
    """The customer's duplicate ticket was combined with `ticket` (tickets.merge): where the
    conversation goes on, and that nothing they sent is lost."""
    _to_customer(
        ticket=ticket,
        template="tickets_merged",
        now=now,
        duplicate={"reference": duplicate.reference, "subject": duplicate.subject},
    )


def rating_invitation(*, ticket: Ticket, now: datetime) -> None:
    # The ticket page (a guest's private link for a guest) opens at its rating form.
    ticket_url = _customer_context(ticket)["ticket_url"]
    rate_url = f"{ticket_url}&to=rate" if _is_guest(ticket) else f"{ticket_url}#rate"
    _to_customer(ticket=ticket, template="rating_invitation", now=now, rate_url=rate_url)


def guest_link(*, ticket: Ticket, email: str, now: datetime) -> None:
    """The private link to a guest's ticket (on filing, and when they ask for a new one)."""
    _to_customer(
        ticket=ticket,
        template="guest_link",
        now=now,
        to=email,
        guest_url=LINK_PLACEHOLDER,
        valid_days=settings.GUEST_LINK_MAX_AGE // 86400,
    )


def account_compromise_reported(*, ticket: Ticket, email: str, verified: bool, now: datetime) -> None:
    """What the emergency path did and what to do next; for the no-login path it carries the
    private link whose first use confirms the request to the exchange."""
    _to_customer(ticket=ticket, template="account_compromise_reported", now=now, to=email, verified=verified)


def _reply_to(message) -> str | None:
    """A customer e-mail's Reply-To: its ticket's reply address (when the desk has an inbound
    address; none otherwise, and no statement)."""
    if not settings.INBOUND_EMAIL_ADDRESS or not message.ticket_reference or message.purpose not in CUSTOMER_PURPOSES:
        return None
    from django.utils import timezone

    from .inbound.services import reply_address_for

    ticket = Ticket.objects.filter(reference=message.ticket_reference).only("pk").first()
    return reply_address_for(ticket, now=timezone.now()) if ticket is not None else None


def register() -> None:
    """From TicketsConfig.ready(): what the ticket templates read when they are sent."""
    register_reply_to(_reply_to)
    register_automatic_purposes(AUTOMATIC_PURPOSES)
    register_email_context("agent_replied", _agent_replied_context)
    register_email_context("letter_sent", _agent_replied_context)
    register_email_context("ticket_assigned", _ticket_assigned_context)
