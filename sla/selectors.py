from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from tickets.models import Ticket

from .models import Metric, SlaClock

METRIC_ORDER = {metric: index for index, metric in enumerate(Metric.values)}


class ClockRow(NamedTuple):
    """A clock as a queue page reads it, with `values_list()` (no model instance): the SlaClock
    fields the desk's rows show, named as on the model, and its policy's name. The functions below
    take either."""

    ticket_id: int
    metric: str
    state: str
    cycle: int
    started_at: datetime
    due_at: datetime | None
    target_seconds: int
    breached_at: datetime | None
    fulfilled_at: datetime | None
    paused_at: datetime | None
    policy_id: int | None
    policy_name: str | None


CLOCK_ROW_COLUMNS = tuple("policy__name" if name == "policy_name" else name for name in ClockRow._fields)


def clock_rows_by_ticket(ticket_ids: Iterable[int]) -> dict[int, list[ClockRow]]:
    """The clocks of these tickets, one query, in the model's order (as a prefetch reads them)."""
    rows: dict[int, list[ClockRow]] = defaultdict(list)
    for values in SlaClock.objects.filter(ticket_id__in=list(ticket_ids)).values_list(*CLOCK_ROW_COLUMNS):
        clock = ClockRow(*values)
        rows[clock.ticket_id].append(clock)
    return rows


def _clocks(ticket: Ticket) -> list[SlaClock]:
    # Uses the prefetched clocks when the caller joined them (list and detail endpoints).
    return list(ticket.sla_clocks.all())


def customer_promises(ticket: Ticket) -> dict[str, datetime | None]:
    """What the customer is promised: when a person will first answer, when it will be solved.
    A paused promise (waiting on the customer) has no time until the customer answers."""
    return promises_of(_clocks(ticket))


def promises_of(clocks: Iterable[SlaClock | ClockRow]) -> dict[str, datetime | None]:
    due = {clock.metric: clock.due_at for clock in clocks if clock.state == SlaClock.State.RUNNING}
    first_response = due.get(Metric.FIRST_RESPONSE) or due.get(Metric.NEXT_RESPONSE)
    return {"first_response_due": first_response, "resolution_due": due.get(Metric.RESOLUTION)}


def _policy_name(clock: SlaClock | ClockRow) -> str | None:
    if isinstance(clock, ClockRow):
        return clock.policy_name
    return clock.policy.name if clock.policy_id and clock.policy else None


def staff_clocks(ticket: Ticket) -> list[dict]:
    return staff_clocks_of(_clocks(ticket))


def staff_clocks_of(clocks: Sequence[SlaClock | ClockRow]) -> list[dict]:
    return [
        {
            "metric": clock.metric,
            "state": clock.state,
            "cycle": clock.cycle,
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "target_minutes": clock.target_seconds // 60,
            "breached": clock.breached_at is not None,
            "breached_at": clock.breached_at,
            "fulfilled_at": clock.fulfilled_at,
            "paused_since": clock.paused_at,
            # Which policy gave the clock: each metric is resolved on its own (policy_for_metric).
            "policy": _policy_name(clock),
            "policy_id": clock.policy_id,
        }
        for clock in sorted(clocks, key=lambda c: METRIC_ORDER[c.metric])
    ]
