"""Claiming the work of a batch: the due clocks and their tickets locked (FOR UPDATE SKIP LOCKED on
PostgreSQL: rows another sweeper or a request holds are skipped, never waited for), and the claims
that make each step fire once: one firing row per clock, step and cycle (INSERT … ON CONFLICT DO
NOTHING RETURNING) and the breach recorded by the sweep that flips breached_at."""

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import F

from accounts.models import User
from support_desk.bulk_sql import array_literal
from tickets.models import Ticket

from ..models import EscalationFiring, SlaClock
from .context import SweepContext
from .rows import CLOCK_COLUMNS, PERSON_FIELDS, TICKET_COLUMNS, ClockRow, TicketRow

FIRING_CHUNK = 500


def lock_due_query(
    now: datetime, batch_size: int, skipped: set[int] = frozenset(), partition: tuple[int, int] | None = None
):
    """The locking read of one batch: due clocks in due order, rows other sweepers hold skipped.
    (Public for bench/sla_sweep.py, which EXPLAINs this very statement.)"""
    query = SlaClock.objects.filter(next_check_at__lte=now).order_by("next_check_at")
    if partition is not None:
        # Parallel sweepers split by ticket: two clocks of one ticket never go to two sweepers,
        # which would each hold what the other needs (one would skip the ticket until next time).
        index, count = partition
        query = query.alias(partition=F("ticket_id") % count).filter(partition=index)
    if skipped:
        query = query.exclude(pk__in=skipped)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return query.values_list(*CLOCK_COLUMNS)[:batch_size]


def lock_due_batch(
    now: datetime, batch_size: int, skipped: set[int], partition: tuple[int, int] | None = None
) -> list[ClockRow]:
    query = lock_due_query(now, batch_size, skipped, partition)
    if connection.vendor != "postgresql":
        return [ClockRow(*row) for row in query]
    with connection.cursor() as cursor:
        # Statistics taken before a burst fell due make the planner pick a bitmap scan that reads
        # and sorts every due clock for each batch; walking the partial index in order stops
        # after batch_size rows whatever the estimate. Local to this transaction.
        cursor.execute("SELECT set_config('enable_bitmapscan', 'off', true)")
        rows = [ClockRow(*row) for row in query]
        cursor.execute("SELECT set_config('enable_bitmapscan', 'on', true)")
    return rows


def lock_tickets(ticket_ids: set[int], context: SweepContext) -> dict[int, TicketRow]:
    """The batch's tickets, locked. Ticket services lock the ticket, then its clocks; the sweep
    locks clocks, then tickets. Skipping tickets a request holds (instead of waiting) rules out a
    deadlock: those clocks stay due and the next sweep takes them."""
    query = Ticket.objects.filter(pk__in=ticket_ids).order_by()
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, no_key=True, of=("self",))
    tickets = {row[0]: TicketRow(*row) for row in query.values_list(*TICKET_COLUMNS)}
    assignee_ids = {ticket.assignee_id for ticket in tickets.values() if ticket.assignee_id}
    assignees = (
        {user.pk: user for user in User.objects.filter(pk__in=assignee_ids).only(*PERSON_FIELDS)}
        if assignee_ids
        else {}
    )
    for ticket in tickets.values():
        ticket.team = context.team(ticket.team_id)
        ticket.category = context.category(ticket.category_id)
        ticket.assignee = assignees.get(ticket.assignee_id)
    return tickets


def fired_before(clocks: list[ClockRow]) -> dict[tuple[int, int], set[int]]:
    """The steps already fired, by (clock, cycle)."""
    done: dict[tuple[int, int], set[int]] = defaultdict(set)
    for clock_id, step_id, cycle in EscalationFiring.objects.filter(clock__in=[c.id for c in clocks]).values_list(
        "clock_id", "step_id", "cycle"
    ):
        done[(clock_id, cycle)].add(step_id)
    return done


def insert_firings(rows: list[tuple[int, int, int]], now: datetime) -> set[tuple[int, int]]:
    """Insert (clock, step, cycle) rows; return the (clock, step) pairs this call inserted."""
    inserted: set[tuple[int, int]] = set()
    table = EscalationFiring._meta.db_table
    conflict = "ON CONFLICT (clock_id, step_id, cycle) DO NOTHING RETURNING clock_id, step_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement whatever the batch: three arrays, not four placeholders per row.
            clock_ids, step_ids, cycles = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f"INSERT INTO {table} (clock_id, step_id, cycle, fired_at) "
                "SELECT v.clock_id, v.step_id, v.cycle, %s "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS v(clock_id, step_id, cycle) {conflict}",
                [now, *(array_literal(column, "number") for column in (clock_ids, step_ids, cycles))],
            )
            inserted.update((row[0], row[1]) for row in cursor.fetchall())
            return inserted
        for offset in range(0, len(rows), FIRING_CHUNK):
            chunk = rows[offset : offset + FIRING_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = [value for clock_id, step_id, cycle in chunk for value in (clock_id, step_id, cycle, now)]
            sql = f"INSERT INTO {table} (clock_id, step_id, cycle, fired_at) VALUES {values} {conflict}"
            cursor.execute(sql, params)
            inserted.update((row[0], row[1]) for row in cursor.fetchall())
    return inserted


def mark_breached(clock_ids: list[int], now: datetime) -> set[int]:
    """Only the sweep that flips breached_at from empty records the breach. On PostgreSQL the
    batch's clocks are locked FOR UPDATE by this transaction, so the rows read are the truth and
    the final clock update writes breached_at; elsewhere a conditional update decides."""
    if not clock_ids:
        return set()
    if connection.features.has_select_for_update_skip_locked:
        return set(clock_ids)
    table = SlaClock._meta.db_table
    marked: set[int] = set()
    with connection.cursor() as cursor:
        for offset in range(0, len(clock_ids), FIRING_CHUNK):
            chunk = clock_ids[offset : offset + FIRING_CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET breached_at = %s "
                f"WHERE id IN ({placeholders}) AND breached_at IS NULL RETURNING id",
                [now, *chunk],
            )
            marked.update(row[0] for row in cursor.fetchall())
    return marked
