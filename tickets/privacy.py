"""Least privilege for staff (issue 12, item 6): the customer's personal data is masked for every
staff member until they reveal it with a reason, and each reveal is an audit event.

What is masked, wherever staff read it (the staff ticket detail's customer panel, the requester of
a ticket or queue row): the customer's e-mail address, exchange UID and the addresses they gave on
their other tickets. The desk stores no phone number. Masked for agents, leads and admins alike:
seeing everything is one reveal away for each of them, and each reveal is on the record.

What stays visible: the customer's name, tier and language (what an agent needs to greet and
route), and the ticket's own structured fields (txid, address, memo, order id): they are the case
being worked, the agent checks them on an explorer, and the customer gave them for that.

A reveal (`customer_data_reveal`) returns the values and records a `pii_revealed` event through
the audit writer (tickets.audit: hash-chained, append-only) with the actor, the fields and the
reason, never the values. That event is internal: not in the customer's timeline nor export
(tickets.timeline.is_public), and quiet for the stale-version check (another agent's reveal is no
change to the ticket).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from . import audit
from .exceptions import TicketInvalid
from .models import Ticket, TicketEvent
from .selectors import ticket_customer_others

DOTS = "•••"
# The fields a reveal may ask for, in the panel's order; `addresses` is a list.
REVEALABLE_FIELDS = ("email", "exchange_uid", "addresses")
REVEALABLE_LABELS = {
    "email": gettext_lazy("E-mail"),
    "exchange_uid": gettext_lazy("Exchange UID"),
    "addresses": gettext_lazy("Addresses"),
}
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 500


def mask_email(value: str) -> str:
    """`alice@example.com` → `a•••@e•••.com`: the first letter of the mailbox and of the domain,
    and the top-level domain, enough to tell two addresses apart and to recognise the provider."""
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_uid(value)
    name, dot, top = domain.rpartition(".")
    if not dot:
        name, top = domain, ""
    masked_domain = f"{name[:1]}{DOTS}.{top}" if top else f"{domain[:1]}{DOTS}"
    return f"{local[:1]}{DOTS}@{masked_domain}"


def mask_uid(value: str) -> str:
    """`U10000001` → `U1•••01`: the first two and the last two characters. A value of six or
    fewer characters would show most of itself that way: it is all dots."""
    if not value:
        return ""
    if len(value) <= 6:
        return DOTS
    return f"{value[:2]}{DOTS}{value[-2:]}"


def mask_address(value: str) -> str:
    """`TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE` → `TQn9Y2…bLSE`: the first six and the last four
    characters, as wallets show an address. A short one is masked as a UID."""
    if not value:
        return ""
    if len(value) <= 14:
        return mask_uid(value)
    return f"{value[:6]}…{value[-4:]}"


def customer_addresses(others: Iterable[Ticket], *, exclude: str = "") -> list[str]:
    """The distinct addresses the customer gave on these tickets (the panel's other tickets,
    newest first), without `exclude` (the open ticket's own, shown unmasked with its details)."""
    seen: list[str] = []
    for other in others:
        address = other.address
        if address and address != exclude and address not in seen:
            seen.append(address)
    return seen


def customer_personal_data(ticket: Ticket, *, others: Sequence[Ticket]) -> dict:
    """The requester's personal data as the panel shows it, unmasked. `ticket` has its requester
    and profile joined (the staff detail's queryset); `others` are the panel's other tickets."""
    profile = getattr(ticket.requester, "customer_profile", None)
    return {
        "email": ticket.requester.email,
        "exchange_uid": profile.exchange_uid if profile is not None else "",
        "addresses": customer_addresses(others, exclude=ticket.address),
    }


def masked(values: dict) -> dict:
    """The same fields, masked."""
    result = dict(values)
    if "email" in result:
        result["email"] = mask_email(result["email"])
    if "exchange_uid" in result:
        result["exchange_uid"] = mask_uid(result["exchange_uid"])
    if "addresses" in result:
        result["addresses"] = [mask_address(address) for address in result["addresses"]]
    return result


def reason_errors(reason: str) -> list[str]:
    """Why a reveal's reason is refused (empty when it is accepted)."""
    if len(reason.strip()) < REASON_MIN_LENGTH:
        return [_("Say why you need to see this (at least %(count)d characters).") % {"count": REASON_MIN_LENGTH}]
    return []


@transaction.atomic
def customer_data_reveal(
    *, ticket: Ticket, actor: User, reason: str, fields: Sequence[str] | None = None, now: datetime
) -> dict:
    """The customer's unmasked personal data on this ticket (the `fields` asked for, else all),
    for a staff member who may see the ticket (the caller scoped it), with the reason recorded.

    Records `pii_revealed` (actor, fields, reason; never the values) under the ticket's row lock,
    which orders its audit chain."""
    reason = reason.strip()
    if errors := reason_errors(reason):
        raise TicketInvalid(errors[0])
    wanted = [name for name in REVEALABLE_FIELDS if fields is None or name in fields]
    if not wanted or (fields is not None and set(fields) - set(REVEALABLE_FIELDS)):
        raise TicketInvalid(_("Choose what to reveal: %(fields)s.") % {"fields": ", ".join(REVEALABLE_FIELDS)})
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester__customer_profile").get(pk=ticket.pk)
    )
    others = ticket_customer_others(ticket=locked, user=actor) if "addresses" in wanted else []
    values = customer_personal_data(locked, others=others)
    audit.record(locked, kind=TicketEvent.Kind.PII_REVEALED, actor=actor, at=now, fields=wanted, reason=reason)
    return {name: values[name] for name in wanted}
