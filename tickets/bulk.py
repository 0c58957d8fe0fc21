"""Bulk ticket services: one change applied to many tickets, as one transaction.

Each ticket goes through the very single-ticket service an agent's click would call
(ticket_assign, ticket_claim, ticket_update, macro_apply), inside its own savepoint: a refusal
undoes that ticket's partial work only, and is reported with the service's own message. So every
rule (the transition table, team membership, closed tickets, another agent's claim) lives in one
place, and each ticket gets the audit events its service writes.

Cost: one query to find the visible tickets, then per ticket what the single service costs plus a
savepoint and its release.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team
from support_desk.errors import DomainError

from . import selectors, services
from .exceptions import TicketForbidden, TicketInvalid
from .models import Team, Ticket


@dataclass(frozen=True)
class BulkResult:
    reference: str
    ok: bool
    error: str = ""
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"reference": self.reference, "ok": True}
        return {"reference": self.reference, "ok": False, "error": self.error, "code": self.code}


def _each(*, actor: User, references: Sequence[str], apply: Callable[[Ticket], object]) -> list[BulkResult]:
    """Run `apply` on every ticket the actor may see, each in a savepoint, in the order sent. A
    reference the actor may not see is "Not found." (whether or not it exists)."""
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))
    visible = {
        ticket.reference: ticket
        for ticket in selectors.tickets_visible_to(actor).filter(reference__in=list(references)).select_related("team")
    }
    results = []
    for reference in references:
        ticket = visible.get(reference)
        if ticket is None:
            results.append(BulkResult(reference, ok=False, error=_("Not found."), code="not_found"))
            continue
        try:
            with transaction.atomic():  # a savepoint: a refusal rolls back this ticket only
                apply(ticket)
        except DomainError as error:
            results.append(BulkResult(reference, ok=False, error=error.message, code=error.code))
        else:
            results.append(BulkResult(reference, ok=True))
    return results


@transaction.atomic
def tickets_bulk_assign(
    *, actor: User, references: Sequence[str], assignee: User | None, now: datetime
) -> list[BulkResult]:
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_assign(ticket=ticket, actor=actor, assignee=assignee, now=now),
    )


@transaction.atomic
def tickets_bulk_claim(*, actor: User, references: Sequence[str], now: datetime) -> list[BulkResult]:
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_claim(ticket=ticket, agent=actor, now=now),
    )


@transaction.atomic
def tickets_bulk_update(
    *, actor: User, references: Sequence[str], changes: dict[str, Any], now: datetime
) -> list[BulkResult]:
    """Status, priority or team: the PATCH service (`ticket_update`) per ticket."""
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_update(ticket=ticket, actor=actor, changes=changes, now=now),
    )


def tickets_bulk_change_status(*, actor: User, references: Sequence[str], status: str, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"status": status}, now=now)


def tickets_bulk_change_priority(*, actor: User, references: Sequence[str], priority: str, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"priority": priority}, now=now)


def tickets_bulk_change_team(*, actor: User, references: Sequence[str], team: Team, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"team": team}, now=now)


@transaction.atomic
def tickets_bulk_apply_macro(
    *, actor: User, references: Sequence[str], macro_id: int, now: datetime
) -> list[BulkResult]:
    """The macro is looked up once, among those the actor may use (else a 400 naming `macro`)."""
    macro = selectors.macros_visible_to(actor).filter(pk=macro_id).first()
    if macro is None:
        raise TicketInvalid(_("No such macro."), field="macro")
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.macro_apply(ticket=ticket, macro=macro, actor=actor, now=now),
    )


def tickets_bulk(*, actor: User, references: Sequence[str], action: str, params: dict[str, Any], now: datetime):
    """Dispatch a validated bulk request (tickets.api.serializers.BulkRequestSerializer)."""
    common = {"actor": actor, "references": references, "now": now}
    if action == "assign":
        return tickets_bulk_assign(assignee=params["assignee"], **common)
    if action == "claim":
        return tickets_bulk_claim(**common)
    if action == "status":
        return tickets_bulk_change_status(status=params["status"], **common)
    if action == "priority":
        return tickets_bulk_change_priority(priority=params["priority"], **common)
    if action == "team":
        return tickets_bulk_change_team(team=params["team"], **common)
    if action == "apply_macro":
        return tickets_bulk_apply_macro(macro_id=params["macro"], **common)
    raise TicketInvalid(_("Unknown action."), field="action")


@transaction.atomic
def tickets_bulk_reassign_agent(*, actor: User, agent: User, assignee: User | None, now: datetime) -> list[BulkResult]:
    """A lead's choice when an agent goes away: every open ticket the agent holds goes to
    `assignee`, or back to the queue (None), through tickets_bulk_assign (the same rules and
    events as assigning each one by hand). Never automatic."""
    if not sees_every_team(actor):
        raise TicketForbidden(_("Only leads and admins can reassign another agent's tickets."))
    references = list(
        selectors.tickets_visible_to(actor)
        .filter(assignee_id=agent.pk, status__in=selectors.OPEN_STATUSES)
        .order_by("created_at", "id")
        .values_list("reference", flat=True)
    )
    return tickets_bulk_assign(actor=actor, references=references, assignee=assignee, now=now)
