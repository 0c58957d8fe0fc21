"""The rows a batch works on: locked clocks and tickets read as tuples into slotted dataclasses.

A batch reads a thousand clocks and tickets: as plain rows (slots), not model instances, whose
construction would cost more than the SQL. The attribute names are the models' own, so the
clock arithmetic of sla.clock_schedule (elapsed_seconds, schedule_clock), the bulk ticket services and
support_desk.bulk_sql.update_rows take them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User
    from tickets.models import Category, Team

CLOCK_COLUMNS = (
    "id",
    "ticket_id",
    "policy_id",
    "calendar_id",
    "metric",
    "state",
    "cycle",
    "target_seconds",
    "segment_started_at",
    "elapsed_seconds",
    "due_at",
    "breached_at",
    "next_check_at",
)
TICKET_COLUMNS = (
    "id",
    "reference",
    "status",
    "priority",
    "priority_rank",
    "sla_breached",
    "breached_metrics",
    "updated_at",
    "team_id",
    "category_id",
    "assignee_id",
    "sla_due_at",
    # What a policy's conditions look at (the retarget after a priority raise), with the lock.
    "channel",
    "is_complaint",
    "requester__customer_profile__tier",
    # The audit chain's head (tickets.audit): the batch's events continue it, and the batch's ticket
    # UPDATE writes the new head (tickets.bulk.RowsWrite), with no statement of their own.
    "audit_head",
    "audit_length",
)
PERSON_FIELDS = ("id", "email", "first_name", "username", "is_active")


@dataclass(slots=True)
class ClockRow:
    id: int
    ticket_id: int
    policy_id: int | None
    calendar_id: int | None
    metric: str
    state: str
    cycle: int
    target_seconds: int
    segment_started_at: datetime | None
    elapsed_seconds: float
    due_at: datetime | None
    breached_at: datetime | None
    next_check_at: datetime | None

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class TicketRow:
    id: int
    reference: str
    status: str
    priority: str
    priority_rank: int
    sla_breached: bool
    breached_metrics: list[str]
    updated_at: datetime
    team_id: int
    category_id: int
    assignee_id: int | None
    sla_due_at: datetime | None
    channel: str
    is_complaint: bool
    tier: str | None
    audit_head: str
    audit_length: int
    team: Team | None = None
    category: Category | None = None
    assignee: User | None = None

    @property
    def pk(self) -> int:
        return self.id
