"""Every read the API needs, scoped to the caller and joined up front (no N+1)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.roles import ROLE_GROUPS, Role, role_of, sees_every_team

from . import sla_view
from .models import (
    AWAITING_FIRST_RESPONSE_VALUES,
    FAR_FUTURE,
    OPEN_STATUS_VALUES,
    QUEUE_DUE,
    Attachment,
    Category,
    Macro,
    Message,
    Team,
    Ticket,
    TicketEvent,
)

# The same tuples as the partial indexes' conditions (tickets.models), so those indexes serve.
OPEN_STATUSES = OPEN_STATUS_VALUES
# Statuses in which the customer still waits for a first human answer.
AWAITING_FIRST_RESPONSE = AWAITING_FIRST_RESPONSE_VALUES
THROUGHPUT_WINDOW = timedelta(hours=24)


def team_ids_of(user: User) -> QuerySet:
    return Team.members.through.objects.filter(user_id=user.pk).values("team_id")


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """Customers: their own. Agents: their teams' (so only the security team sees security
    tickets) and what is assigned to them. Leads and admins: everything."""
    tickets = Ticket.objects.all()
    role = role_of(user)
    if role is None:
        return tickets.none()
    if sees_every_team(user):
        return tickets
    if role == Role.AGENT:
        return tickets.filter(Q(team_id__in=team_ids_of(user)) | Q(assignee_id=user.pk))
    return tickets.filter(requester_id=user.pk)


def ticket_list(*, user: User) -> QuerySet[Ticket]:
    return (
        tickets_visible_to(user)
        .select_related("category", "team", "assignee", "requester__customer_profile", "possible_duplicate_of")
        .prefetch_related(*sla_view.clocks_prefetch())
        .order_by("-created_at", "-id")
    )


def attachments_visible_to(user: User, ticket: Ticket) -> QuerySet[Attachment]:
    """Staff see every file; the customer never sees an internal one (not even that it exists)."""
    attachments = Attachment.objects.filter(ticket=ticket)
    if role_of(user) in (Role.AGENT, Role.LEAD, Role.ADMIN):
        return attachments
    return attachments.filter(internal=False)


def ticket_detail_queryset(*, user: User) -> QuerySet[Ticket]:
    staff = role_of(user) in (Role.AGENT, Role.LEAD, Role.ADMIN)
    messages = Message.objects.select_related("author")
    attachments = Attachment.objects.all()
    events = TicketEvent.objects.order_by("at", "id")
    # The team, the requester and their profile are shown to staff only (TicketSerializer.STAFF_ONLY):
    # a customer's detail joins three tables fewer (planning the join took longer than running it).
    joined = ["category", "assignee", "possible_duplicate_of", "satisfaction"]
    if staff:
        joined += ["team", "requester", "requester__customer_profile"]
    else:
        messages = messages.exclude(kind=Message.Kind.INTERNAL)
        attachments = attachments.filter(internal=False)
    return (
        tickets_visible_to(user)
        .select_related(*joined)
        .prefetch_related(
            Prefetch("messages", queryset=messages),
            Prefetch("attachments", queryset=attachments),
            Prefetch("events", queryset=events),
            *sla_view.clocks_prefetch(),
        )
    )


# What a queue row shows, read with values(): no model instances (their hydration, and the
# planning of a seven-table join, were most of a page's time). Team and category are joined
# (small tables, one row each); the people are one query by id (queue_people), the clocks another.
QUEUE_ROW_COLUMNS = (
    *("id", "reference", "subject", "status", "priority", "channel", "language", "is_complaint"),
    *("category__code", "category__name", "category__name_zh_hans", "team__code", "team__name"),
    *("requester_id", "assignee_id", "possible_duplicate_of__reference"),
    *("sla_due_at", "sla_breached", "breached_metrics", "queue_due"),
    *("created_at", "updated_at", "first_response_at", "solved_at", "closed_at"),
    *("asset", "network", "amount", "txid", "address", "order_id"),
)


def queue_tickets(*, user: User) -> QuerySet[Ticket]:
    # The same expression as the ticket_open_queue_idx index, so the queue is an index scan.
    return tickets_visible_to(user).annotate(queue_due=QUEUE_DUE)


def queue_rows_values(queryset: QuerySet[Ticket]) -> QuerySet:
    """The queue's (filtered) tickets as the dicts a row is built from (tickets.api.queue_rows)."""
    return queryset.values(*QUEUE_ROW_COLUMNS)


def queue_people(user_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Requesters and assignees of a queue page by id, with the customer tier: one query."""
    columns = ("id", "username", "first_name", "last_name", "email", "customer_profile__tier")
    return {
        values[0]: dict(zip(columns, values, strict=True))
        for values in User.objects.filter(pk__in=user_ids).order_by().values_list(*columns)
    }


CUSTOMER_OTHER_TICKETS = 10


def ticket_customer_others(*, ticket: Ticket, user: User) -> list[Ticket]:
    """The staff panel's "other tickets" of this ticket's requester: the most recent few the
    caller may see (one query on ticket_requester_idx), with the address each gave (the panel's
    masked addresses, tickets.privacy)."""
    return list(
        tickets_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .only("reference", "subject", "status", "created_at", "address")
        .order_by("-created_at", "-id")[:CUSTOMER_OTHER_TICKETS]
    )


def teams_all() -> QuerySet[Team]:
    return Team.objects.order_by("name", "id")


def agents_assignable() -> list[dict[str, Any]]:
    """Staff people (agents, leads, admins) with their team codes, role and availability (joined):
    two queries."""
    staff_groups = set(ROLE_GROUPS.values())
    people = list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=staff_groups) | Q(is_superuser=True))
        .distinct()
        .select_related("agent_profile")
        .prefetch_related(
            Prefetch("groups", to_attr="role_groups"),
            Prefetch("teams", queryset=Team.objects.only("id", "code"), to_attr="team_list"),
        )
        .order_by("username")
    )
    rank = {ROLE_GROUPS[Role.ADMIN]: Role.ADMIN, ROLE_GROUPS[Role.LEAD]: Role.LEAD, ROLE_GROUPS[Role.AGENT]: Role.AGENT}
    rows = []
    for person in people:
        names = {group.name for group in person.role_groups}
        role = Role.ADMIN if person.is_superuser else next((rank[n] for n in rank if n in names), Role.AGENT)
        rows.append(
            {
                "id": person.pk,
                "username": person.username,
                "name": person.get_full_name() or person.username,
                "teams": sorted(team.code for team in person.team_list),
                "role": str(role),
                "available": bool(getattr(person, "agent_profile", None) and person.agent_profile.available),
            }
        )
    return rows


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("at", "id")


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("default_team")


def macros_visible_to(user: User) -> QuerySet[Macro]:
    """Shared macros of the caller's teams (leads and admins: of every team) and those shared by
    every team, plus the caller's own personal macros; never another agent's personal ones."""
    macros = Macro.objects.filter(is_active=True).select_related("team", "set_team")
    personal = Q(owner_id=user.pk)
    if sees_every_team(user):
        return macros.filter(Q(owner__isnull=True) | personal)
    return macros.filter(Q(owner__isnull=True, team__isnull=True) | Q(team_id__in=team_ids_of(user)) | personal)


# The team's pace (first answers in the last 24 hours) is read at most once a minute per team: an
# estimate's input, counted over an index range that grows with the desk's volume.
PACE_CACHE_SECONDS = 60


# This process's copy of the shared cache's counts: a surge of creations reads no cache either.
_pace_seen: dict[int, tuple[float, int]] = {}


def _team_pace(*, team_id: int, now: datetime) -> int:
    def fresh(counted: tuple[float, int] | None) -> bool:
        return counted is not None and abs(now.timestamp() - counted[0]) < PACE_CACHE_SECONDS

    counted = _pace_seen.get(team_id)
    if not fresh(counted):
        key = f"tickets:team-pace:{team_id}"
        counted = cache.get(key)
        if not fresh(counted):
            answered = Ticket.objects.filter(
                team_id=team_id, first_response_at__gte=now - THROUGHPUT_WINDOW, first_response_at__lte=now
            ).count()
            counted = (now.timestamp(), answered)
            cache.set(key, counted, timeout=PACE_CACHE_SECONDS)
        _pace_seen[team_id] = counted
    return counted[1]


# The tickets of a team still waiting for a first answer, nearest due time first, as
# ticket_waiting_first_idx orders them; written out once (a hot path: the ORM's compilation of
# these two statements cost more than running them). Psycopg sends the statuses as literals, so
# the planner matches the partial index's condition.
_STATUSES = ", ".join(["%s"] * len(AWAITING_FIRST_RESPONSE))
_WAITING = f'FROM "tickets_ticket" WHERE "team_id" = %s AND "status" IN ({_STATUSES}) AND "first_response_at" IS NULL'
_QUEUE_DUE_SQL = 'COALESCE("sla_due_at", %s)'
_PLACE_SQL = (
    f"SELECT count(*), min(ahead.due), max(ahead.due), "
    f'(SELECT {_QUEUE_DUE_SQL} {_WAITING} ORDER BY {_QUEUE_DUE_SQL}, "created_at", "id" LIMIT 1) '
    f'FROM (SELECT {_QUEUE_DUE_SQL} AS due {_WAITING} AND ({_QUEUE_DUE_SQL}, "created_at", "id") < (%s, %s, %s) '
    f'ORDER BY {_QUEUE_DUE_SQL} DESC, "created_at" DESC, "id" DESC LIMIT %s) AS ahead'
)


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """A due time as the statement returns it (SQLite: text in UTC, without the offset)."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sample_span(*, oldest: datetime | None, newest: datetime | None) -> float | None:
    """The seconds of due time the nearest tickets ahead cover, or None when they tell no density
    (equal due times, or no running clock)."""
    span = (newest - oldest).total_seconds() if oldest and newest else 0
    return span if span > 0 and newest < FAR_FUTURE else None


def _ahead_beyond_bound(*, head: datetime | None, oldest: datetime, newest: datetime, bound: int) -> int:
    """An estimate of the tickets ahead when more than `bound` are: the `bound` nearest ones ahead
    (oldest to newest due time) tell how densely the queue is packed in due time just before
    this ticket; spread that over the due times from the head of the team's queue to the
    sample's start."""
    span = _sample_span(oldest=oldest, newest=newest)
    if head is None or span is None or bound < 2:
        return bound  # no usable density: at least the bound
    # `bound` due times span bound - 1 gaps; as many gaps again between the head and the sample.
    return bound + round((oldest - head).total_seconds() * (bound - 1) / span)


@dataclass(frozen=True, slots=True)
class _FarBack:
    """A place counted beyond the bound: where the team's queue stood behind one ticket."""

    counted_at: float  # `now` of the count, as a timestamp
    ticket_id: int
    due: datetime  # the counted ticket's place in the queue order: due time, then age
    created_at: datetime
    ahead: int  # the estimate of the tickets ahead of it
    per_second: float  # tickets ahead per second of due time just before it (the range's density)
    bound: int


# This process's last place far back in each team's queue (team id -> _FarBack). In a surge each
# new ticket joins the end of its team's queue, thousands of places back: counting the range
# again for each one was the largest statement of a creation (about 1.2 ms of PostgreSQL's time at
# 1M tickets, a heap visit per entry), and it can only tell that the place is an estimate.
_far_back: dict[int, _FarBack] = {}


def _reuse_far_back(*, ticket: Ticket, bound: int, now: datetime) -> int | None:
    """The tickets ahead of `ticket`, from this process's last count far back in its team's queue,
    or None when that count cannot stand in for a new one.

    It stands in only within settings.QUEUE_POSITION_REUSE_SECONDS of the count, for the counted
    ticket itself or one behind it in the queue order due at most as many seconds later, and only
    while the count was at least twice the bound: so many tickets cannot leave the queue in that
    time, so the place is still beyond the bound and remains an estimate (`position_exact: false`).
    Behind the counted ticket it adds that ticket and the range's density over the due times
    between."""
    window = settings.QUEUE_POSITION_REUSE_SECONDS
    last = _far_back.get(ticket.team_id)
    if last is None or last.bound != bound or ticket.sla_due_at is None or window <= 0:
        return None
    if not 0 <= now.timestamp() - last.counted_at < window:
        return None
    if ticket.pk == last.ticket_id:
        return last.ahead
    if (ticket.sla_due_at, ticket.created_at, ticket.pk) <= (last.due, last.created_at, last.ticket_id):
        return None  # ahead of the counted ticket
    later = (ticket.sla_due_at - last.due).total_seconds()
    if later > window:
        return None
    # The counted ticket itself is ahead of this one, and the range's density over the due times between.
    return last.ahead + max(1, round(later * last.per_second))


def _remember_far_back(
    *, ticket: Ticket, ahead: int, oldest: datetime | None, newest: datetime | None, bound: int, now: datetime
) -> None:
    if settings.QUEUE_POSITION_REUSE_SECONDS <= 0 or ticket.sla_due_at is None or ahead < 2 * bound:
        return
    span = _sample_span(oldest=oldest, newest=newest)
    if span is None:
        return  # no density to extend it by
    _far_back[ticket.team_id] = _FarBack(
        counted_at=now.timestamp(),
        ticket_id=ticket.pk,
        due=ticket.sla_due_at,
        created_at=ticket.created_at,
        ahead=ahead,
        per_second=(bound - 1) / span,
        bound=bound,
    )


def ticket_queue_info(*, ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Where the customer stands: place among the team's tickets still waiting for a first
    answer, in the agents' queue order (nearest SLA due time, then age), and an estimate from the
    team's recent pace.

    The place is counted exactly up to settings.QUEUE_POSITION_EXACT_UP_TO tickets ahead: one
    index range read backwards from the ticket, bounded in work whatever the size of the table.
    Further back it is an estimate from the density of that range (_ahead_beyond_bound) and
    `position_exact` is false. One statement gives the range's count and due times, and the
    head of the team's queue (one index entry)."""
    if ticket.first_response_at is not None or ticket.status not in AWAITING_FIRST_RESPONSE:
        return {"position": None, "position_exact": None, "estimated_first_response_at": None}
    bound = settings.QUEUE_POSITION_EXACT_UP_TO
    ahead = _reuse_far_back(ticket=ticket, bound=bound, now=now)
    exact = False
    if ahead is None:
        moment = connection.ops.adapt_datetimefield_value
        far = moment(FAR_FUTURE)
        waiting = [ticket.team_id, *AWAITING_FIRST_RESPONSE]
        mine = [moment(ticket.sla_due_at or FAR_FUTURE), moment(ticket.created_at), ticket.pk]
        params = [far, *waiting, far, far, *waiting, far, *mine, far, bound]
        with connection.cursor() as cursor:
            cursor.execute(_PLACE_SQL, params)
            ahead, *due_times = cursor.fetchone()
        oldest, newest, head = (_as_datetime(value) for value in due_times)
        exact = ahead < bound
        if not exact:
            ahead = _ahead_beyond_bound(head=head, oldest=oldest, newest=newest, bound=bound)
            _remember_far_back(ticket=ticket, ahead=ahead, oldest=oldest, newest=newest, bound=bound, now=now)
    position = ahead + 1
    answered = _team_pace(team_id=ticket.team_id, now=now)
    estimate = None
    if answered:
        per_ticket = THROUGHPUT_WINDOW / answered
        estimate = now + per_ticket * position
    promised = sla_view.promises(ticket)["first_response_due"]
    if promised is not None and (estimate is None or estimate > promised):
        # The ladder escalates before the promise runs out: never forecast past the promise.
        estimate = max(promised, now)
    return {"position": position, "position_exact": exact, "estimated_first_response_at": estimate}
