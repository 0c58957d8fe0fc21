"""Routing and priority scoring for new tickets (money-first triage), and automatic assignment."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import AgentProfile, CustomerProfile, User
from accounts.roles import ROLE_GROUPS

from . import audit
from .models import (
    OPEN_STATUS_VALUES,
    PRIORITY_BY_RANK,
    PRIORITY_RANK,
    Category,
    Priority,
    Team,
    Ticket,
    TicketEvent,
)
from .thresholds import threshold_of

RAISED_TIERS = {CustomerProfile.Tier.VIP, CustomerProfile.Tier.INSTITUTIONAL}


def raise_priority(priority: str, levels: int = 1) -> Priority:
    rank = max(PRIORITY_RANK[Priority(priority)] - levels, PRIORITY_RANK[Priority.URGENT])
    return PRIORITY_BY_RANK[rank]


def customer_tier(user: User) -> str:
    profile = getattr(user, "customer_profile", None)
    return profile.tier if profile else CustomerProfile.Tier.STANDARD


def is_large_amount(*, asset: str, amount: Decimal | None) -> bool:
    if amount is None or not asset:
        return False
    threshold = threshold_of(asset)
    return threshold is not None and amount >= threshold


def initial_priority(*, category: Category, requester: User, asset: str, amount: Decimal | None) -> Priority:
    """The category's default, raised one level per reason: a VIP/institutional customer,
    and an amount at or above the asset's threshold (both together raise two levels)."""
    levels = 0
    if customer_tier(requester) in RAISED_TIERS:
        levels += 1
    if is_large_amount(asset=asset, amount=amount):
        levels += 1
    return raise_priority(category.default_priority, levels)


# --- Automatic assignment of new tickets (Team.routing) ---


def speaks(languages: object, language: str) -> bool:
    """An agent can take a ticket in `language` when it is among their languages, or their list
    names its primary language alone ("zh" takes "zh-hans"). No languages recorded: any."""
    if not isinstance(languages, list) or not languages:
        return True
    wanted = (language or "").lower()
    known = {str(code).lower() for code in languages}
    return wanted in known or wanted.split("-")[0] in known


def _candidates(team: Team) -> list[tuple[int, object, int | None, int, int]]:
    """The team's available staff members in id order: (user id, languages, cap, open tickets,
    the team's turn). One statement; each open count is a range of ticket_assignee_queue_idx."""
    open_tickets = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN_STATUS_VALUES)
        .order_by()
        .values("assignee_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    staff = User.groups.through.objects.filter(user_id=OuterRef("user_id"), group__name__in=list(ROLE_GROUPS.values()))
    return list(
        AgentProfile.objects.filter(available=True, user__is_active=True, user__teams=team)
        .filter(Q(user__is_superuser=True) | Exists(staff))
        .annotate(
            open_total=Coalesce(Subquery(open_tickets), 0),
            turn=Subquery(Team.objects.filter(pk=team.pk).values("routing_turn")),
        )
        .order_by("user_id")
        .values_list("user_id", "languages", "max_open_tickets", "open_total", "turn")
    )


def pick_agent(rows: list[tuple[int, object, int | None, int, int]], *, mode: str, language: str) -> int | None:
    """Round robin: from the turn's place among the available members, the first who speaks the
    language and is under their cap. Fewest open tickets: the least loaded of those, ties in
    the same turn order (so equal loads take turns too)."""
    if not rows:
        return None
    start = (rows[0][4] - 1) % len(rows)
    in_turn = rows[start:] + rows[:start]
    eligible = [row for row in in_turn if speaks(row[1], language) and (row[2] is None or row[3] < row[2])]
    if not eligible:
        return None
    if mode == Team.Routing.LEAST_OPEN:
        return min(eligible, key=lambda row: row[3])[0]
    return eligible[0][0]


def route_new_ticket(*, team: Team, language: str) -> int | None:
    """The agent a new ticket of `team` goes to, or None (routing off, or nobody available).

    Called by ticket_create inside its transaction, before the ticket's INSERT (which then carries
    the assignee). Off: no statement at all (the mode is read from the team row the create path
    already has). On: two statements. The first advances the team's turn, which takes the team
    row's lock until the creating transaction ends, so concurrent creators for one team choose one
    after another, each seeing the tickets the previous ones assigned: round robin hands N tickets
    to N agents and a cap is not exceeded through this team. The second reads the candidates and
    their open tickets in a snapshot taken after the lock was granted."""
    if team.routing not in (Team.Routing.ROUND_ROBIN, Team.Routing.LEAST_OPEN):
        return None
    Team.objects.filter(pk=team.pk).update(routing_turn=F("routing_turn") + 1)
    return pick_agent(_candidates(team), mode=team.routing, language=language)


def routed_events(*, ticket: Ticket, now: datetime) -> list[TicketEvent]:
    """The `assigned` event of a routed ticket (as ticket_assign writes one; no actor: the desk
    did it), or nothing. One statement when there is one."""
    if ticket.assignee_id is None:
        return []
    event = audit.record(
        ticket,
        actor=None,
        kind=TicketEvent.Kind.ASSIGNED,
        at=now,
        assignee=ticket.assignee_id,
        previous=None,
        routed=ticket.team.routing,
    )
    return [event]
