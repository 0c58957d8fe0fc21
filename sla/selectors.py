from datetime import datetime

from tickets.models import Ticket

from .models import Metric, SlaClock


def _clocks(ticket: Ticket) -> list[SlaClock]:
    # Uses the prefetched clocks when the caller joined them (list and detail endpoints).
    return list(ticket.sla_clocks.all())


def customer_promises(ticket: Ticket) -> dict[str, datetime | None]:
    """What the customer is promised: when a person will first answer, when it will be solved.
    A paused promise (waiting on the customer) has no time until the customer answers."""
    due = {clock.metric: clock.due_at for clock in _clocks(ticket) if clock.state == SlaClock.State.RUNNING}
    first_response = due.get(Metric.FIRST_RESPONSE) or due.get(Metric.NEXT_RESPONSE)
    return {"first_response_due": first_response, "resolution_due": due.get(Metric.RESOLUTION)}


def staff_clocks(ticket: Ticket) -> list[dict]:
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
            "policy": clock.policy.name if clock.policy_id and clock.policy else None,
            "policy_id": clock.policy_id,
        }
        for clock in sorted(_clocks(ticket), key=lambda c: list(Metric.values).index(c.metric))
    ]
