"""The queue's rows as plain data: the JSON TicketSerializer gives staff, built from values().

A queue page is the desk's hottest read. Through TicketSerializer each row cost about a
millisecond (model instances for the ticket and five joined rows, then DRF's field machinery,
timezone lookups and a method call per field); here a row is a dict assembled from the page's
values, its people (one query) and its clocks (one query). TicketSerializer stays the contract:
the OpenAPI schema describes the queue with it, and tests/tickets/test_queue_rows.py checks that
both give the same keys, order and values.
"""

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from .. import selectors, sla_view
from ..models import Ticket
from ..privacy import mask_email

# TicketSerializer.get_waiting_on by status (plain strings as keys: values() gives strings).
WAITING_ON = {
    Ticket.Status.PENDING_CUSTOMER.value: "customer",
    Ticket.Status.SOLVED.value: None,
    Ticket.Status.CLOSED.value: None,
}


def _iso(value: datetime | None, zone: tzinfo) -> str | None:
    # DRF's DateTimeField: in the current time zone, ISO 8601, UTC written as "Z".
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _name(person: dict[str, Any]) -> str:
    # User.get_full_name() or the username, as tickets show a person.
    return f"{person['first_name']} {person['last_name']}".strip() or person["username"]


def queue_rows(tickets: list[dict[str, Any]], *, now: datetime) -> list[dict[str, Any]]:
    """The rows of a queue page (selectors.queue_rows_values), in its order: two queries."""
    if not tickets:
        return []
    people = selectors.queue_people(
        {ticket["requester_id"] for ticket in tickets}
        | {ticket["assignee_id"] for ticket in tickets if ticket["assignee_id"] is not None}
    )
    clocks = sla_view.clock_rows_by_ticket(ticket["id"] for ticket in tickets)
    zone = timezone.get_current_timezone()
    chinese = (get_language() or "").lower().startswith("zh")
    return [
        _row(ticket, people, clocks.get(ticket["id"], []), zone=zone, chinese=chinese, now=now) for ticket in tickets
    ]


def _row(
    ticket: dict[str, Any],
    people: dict[int, dict[str, Any]],
    clocks: list,
    *,
    zone: tzinfo,
    chinese: bool,
    now: datetime,
) -> dict[str, Any]:
    requester = people[ticket["requester_id"]]
    assignee = people.get(ticket["assignee_id"]) if ticket["assignee_id"] is not None else None
    state, warning_at = sla_view.state_of(clocks, breached=ticket["sla_breached"], now=now)
    amount = ticket["amount"]
    status = ticket["status"]
    # The keys in TicketSerializer.Meta.fields' order.
    return {
        "reference": ticket["reference"],
        "subject": ticket["subject"],
        "status": status,
        "priority": ticket["priority"],
        "category": ticket["category__code"],
        "category_name": (ticket["category__name_zh_hans"] if chinese else "") or ticket["category__name"],
        "team": ticket["team__code"],
        "team_name": ticket["team__name"],
        "assignee": None if assignee is None else {"id": assignee["id"], "name": _name(assignee), "role": "agent"},
        "requester": {
            "id": requester["id"],
            "name": _name(requester),
            "role": "customer",
            "email": mask_email(requester["email"]),
            "masked": True,
        },
        "customer_tier": requester["customer_profile__tier"],
        "channel": ticket["channel"],
        "language": ticket["language"],
        "is_complaint": ticket["is_complaint"],
        "possible_duplicate_of": ticket["possible_duplicate_of__reference"],
        "waiting_on": WAITING_ON.get(status, "agent"),
        "sla": {name: _iso(value, zone) for name, value in sla_view.promises_of(clocks).items()},
        "sla_due_at": _iso(ticket["sla_due_at"], zone),
        "sla_breached": ticket["sla_breached"],
        "breached_metrics": ticket["breached_metrics"],
        "sla_clocks": sla_view.staff_clocks(clocks, format_time=lambda value: _iso(value, zone)),
        "sla_state": state,
        "sla_warning_at": _iso(warning_at, zone),
        "created_at": _iso(ticket["created_at"], zone),
        "updated_at": _iso(ticket["updated_at"], zone),
        "first_response_at": _iso(ticket["first_response_at"], zone),
        "solved_at": _iso(ticket["solved_at"], zone),
        "closed_at": _iso(ticket["closed_at"], zone),
        "asset": ticket["asset"],
        "network": ticket["network"],
        # DecimalField(coerce_to_string) normalised, as TicketSerializer.to_representation does.
        "amount": None if amount is None else f"{amount.normalize():f}",
        "txid": ticket["txid"],
        "address": ticket["address"],
        "order_id": ticket["order_id"],
    }
