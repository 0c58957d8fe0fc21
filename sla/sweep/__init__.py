"""The SLA sweep: take due clocks in batches, fire their ladder steps exactly once, set the next check.

Per batch the work is set-based: one locking read, one INSERT … ON CONFLICT DO NOTHING
RETURNING for the firings (the unique row per clock, step and cycle is what makes a step fire
once whatever the number of workers or retries), and bulk writes for events, notes, ticket
changes and outbox rows. Its cost follows the number of due clocks, not of tickets.

    locking   claim due clocks and their tickets (FOR UPDATE SKIP LOCKED), the firing rows
    ladder    which steps fire for a clock at a moment, what a step asks of its ticket (pure)
    effects   alerts, notes, webhooks, ticket changes and the retarget of raised tickets' clocks
    runner    batches, parallel sweepers, sla_sweep() and sla_clock_catch_up()
"""

from .context import SweepContext, SweepResult
from .locking import lock_due_query
from .rows import CLOCK_COLUMNS, TICKET_COLUMNS, ClockRow, TicketRow
from .runner import sla_clock_catch_up, sla_sweep

_Context = SweepContext  # the name tests and older callers use

__all__ = [
    "CLOCK_COLUMNS",
    "TICKET_COLUMNS",
    "ClockRow",
    "SweepContext",
    "SweepResult",
    "TicketRow",
    "lock_due_query",
    "sla_clock_catch_up",
    "sla_sweep",
]
