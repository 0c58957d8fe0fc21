"""The emergency path: "my account is compromised" (issue 12, item 4).

One report makes an urgent ticket for the security team at once and asks the exchange, through
the webhook subscriptions, to freeze the account (`account.freeze_requested`). From the portal
(logged in) the request is verified at once. From the no-login path anyone who knows an address
could send it, so it says `identity_verified: false`, and is sent again with `true` when the
e-mailed private link of that ticket is first used (proof of the mailbox). The exchange decides
what an unverified request may do (e.g. a temporary withdrawal hold, not a full freeze).
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from notifications.webhooks import register_webhook_events, webhook_emit

from . import audit, guest, hooks, services
from . import notifications as emails
from .models import Category, Priority, Team, Ticket, TicketEvent
from .webhooks import ticket_facts

FREEZE_REQUESTED = "account.freeze_requested"
EVENTS = {FREEZE_REQUESTED: _("Account freeze requested (account compromised)")}
CATEGORY_CODE = "account_compromised"
SECURITY_TEAM_CODE = services.SECURITY_TEAM_CODE
PORTAL = "portal"
GUEST = "guest"
Kind = TicketEvent.Kind


def _category() -> Category:
    """The category seed_demo defines (routed to security); made if a deployment lacks it, so the
    emergency path never fails for want of configuration."""
    category = Category.objects.select_related("default_team").filter(code=CATEGORY_CODE).first()
    if category is not None:
        return category
    team, _created = Team.objects.get_or_create(code=SECURITY_TEAM_CODE, defaults={"name": "Security"})
    category, _created = Category.objects.get_or_create(
        code=CATEGORY_CODE,
        defaults={
            "name": "Account compromised / unauthorised activity",
            "default_team": team,
            "default_priority": Priority.URGENT,
        },
    )
    return category


def _account_facts(*, account: User | None, email: str) -> dict[str, Any]:
    """Who the exchange should freeze: the address given and, when a desk account has it, that
    account's exchange UID. The exchange is the receiver, never the reporter: nothing here reaches
    the person who filed the report."""
    profile = getattr(account, "customer_profile", None) if account is not None else None
    return {
        "email": email,
        "customer_id": account.pk if account is not None else None,
        "exchange_uid": (profile.exchange_uid or None) if profile is not None else None,
    }


def _request_freeze(
    *, ticket: Ticket, account: User | None, email: str, source: str, identity_verified: bool, now: datetime
) -> int:
    data = {
        "ticket": ticket_facts(ticket),
        "account": _account_facts(account=account, email=email),
        "source": source,
        "identity_verified": identity_verified,
        "verified_by": ("login" if source == PORTAL else "mailbox_link") if identity_verified else None,
    }
    deliveries = webhook_emit(event=FREEZE_REQUESTED, data=data, reference=ticket.reference, now=now)
    audit.record(
        ticket,
        actor=None,
        kind=Kind.FREEZE_REQUESTED,
        at=now,
        source=source,
        identity_verified=identity_verified,
        deliveries=len(deliveries),
    )
    return len(deliveries)


@transaction.atomic
@sensitive_variables()  # the customer's text: never in an error report's frame variables
def account_compromise_report(
    *, customer: User | None, email: str = "", details: str = "", language: str = "en", now: datetime
) -> Ticket:
    """An urgent security ticket and a freeze request, at once.

    `customer` is the logged-in customer (verified); None is the no-login path, with the `email`
    given, which gets a guest identity of its own whoever owns the address (as any guest ticket)
    and an e-mail with the private link whose first use verifies the request. The caller answers
    the same whether or not the address has an account.
    """
    language = language if language in ("en", "zh-hans") else "en"
    category = _category()
    requester = customer or guest.guest_identity_create(email=email, language=language)
    with translation.override(language):
        subject = gettext("My account is compromised")
        body = details.strip() or gettext("Reported through the emergency path: my account is compromised.")
    ticket = services.ticket_create(
        requester=requester,
        category=category,
        subject=subject,
        body=body,
        fields=services.TicketFields(),
        channel=Ticket.Channel.WEB if customer is not None else Ticket.Channel.GUEST,
        language=language,
        now=now,
    )
    # Whatever the category's configuration says, this is urgent work for the security team.
    security = services._security_team()
    if security is not None and ticket.team_id != security.pk:
        ticket = services.ticket_change_team(ticket=ticket, actor=None, team=security, now=now)
    if ticket.priority != Priority.URGENT:
        ticket = services.ticket_change_priority(
            ticket=ticket, actor=None, priority=Priority.URGENT, now=now, reason="account_compromised"
        )
    if customer is not None:
        _request_freeze(
            ticket=ticket, account=customer, email=customer.email, source=PORTAL, identity_verified=True, now=now
        )
    else:
        account = guest._account_for(email, excluding=requester.pk)
        _request_freeze(ticket=ticket, account=account, email=email, source=GUEST, identity_verified=False, now=now)
    emails.account_compromise_reported(ticket=ticket, email=requester.email, verified=customer is not None, now=now)
    return ticket


@transaction.atomic
def account_compromise_identity_verified(*, ticket: Ticket, email: str, now: datetime) -> bool:
    """The private link of a no-login report was used: the freeze request again, verified. Once
    per ticket (a reissued link used later sends nothing more). True when it was sent now."""
    # of=self: PostgreSQL cannot lock the nullable side of the profile join, and need not.
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester__customer_profile").get(pk=ticket.pk)
    )
    requests = TicketEvent.objects.filter(ticket=locked, kind=Kind.FREEZE_REQUESTED).values_list("data", flat=True)
    requests = list(requests)
    if not requests or any(data.get("identity_verified") for data in requests):
        return False
    requester = locked.requester
    account = None if guest.is_guest_identity(requester) else requester
    _request_freeze(ticket=locked, account=account, email=email, source=GUEST, identity_verified=True, now=now)
    return True


def _guest_link_first_used(event: hooks.GuestLinkFirstUsed) -> None:
    # Only an emergency report's ticket has freeze requests; any other ticket costs no statement.
    category = getattr(event.ticket, "category", None)
    if category is not None and category.code == CATEGORY_CODE and event.ticket.channel == Ticket.Channel.GUEST:
        account_compromise_identity_verified(ticket=event.ticket, email=event.email, now=event.now)


def register() -> None:
    """From TicketsConfig.ready()."""
    register_webhook_events(EVENTS)
    hooks.on(hooks.GuestLinkFirstUsed)(_guest_link_first_used)
