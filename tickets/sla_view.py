"""What a ticket's readers (selectors, e-mails, serializers, queue rows) show of its SLA,
contributed by the sla app, which sits above tickets: SlaConfig.ready() registers its read model
here, so tickets never imports sla. Without one (an install without the sla app) a ticket has no
promises, no clocks and the state "none"."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db.models import Prefetch
from rest_framework import serializers

from .models import Ticket

NO_PROMISES = {"first_response_due": None, "resolution_due": None}


class SlaReadModel(Protocol):
    # Clocks are the read model's own rows (model instances or plain rows); tickets only passes them on.
    clock_fields: Sequence[str]  # the keys of a staff clock, in the API's order
    clock_times: set[str]  # those that are datetimes

    def clocks_prefetch(self) -> Prefetch:
        """The relation list and detail queries prefetch, so the methods below read no row."""

    def clocks_of(self, ticket: Ticket) -> list: ...

    def clock_rows_by_ticket(self, ticket_ids: Iterable[int]) -> dict[int, list]:
        """A queue page's clocks as plain rows, one query."""

    def promises_of(self, clocks: Sequence) -> dict[str, datetime | None]:
        """What the customer is promised: first_response_due, resolution_due."""

    def staff_clocks_of(self, clocks: Sequence) -> list[dict[str, Any]]: ...

    def state_of(self, clocks: Sequence, *, breached: bool, now: datetime) -> tuple[str, datetime | None]:
        """The desk's colour for a ticket and when it turns to "warning"."""

    def schema(self, name: str) -> serializers.Field:
        """The OpenAPI shape of `promises`, `clocks` (many) and `state`."""


_read_model: SlaReadModel | None = None


def register(read_model: SlaReadModel) -> None:
    global _read_model
    _read_model = read_model


def clocks_prefetch() -> list[Prefetch]:
    return [_read_model.clocks_prefetch()] if _read_model is not None else []


def clocks_of(ticket: Ticket) -> list:
    return _read_model.clocks_of(ticket) if _read_model is not None else []


def clock_rows_by_ticket(ticket_ids: Iterable[int]) -> dict[int, list]:
    return _read_model.clock_rows_by_ticket(ticket_ids) if _read_model is not None else {}


def promises_of(clocks: Sequence) -> dict[str, datetime | None]:
    return _read_model.promises_of(clocks) if _read_model is not None else dict(NO_PROMISES)


def promises(ticket: Ticket) -> dict[str, datetime | None]:
    return promises_of(clocks_of(ticket))


def staff_clocks(clocks: Sequence, *, format_time) -> list[dict[str, Any]]:
    """The staff view of the clocks, each time written by `format_time`."""
    if _read_model is None:
        return []
    times, fields = _read_model.clock_times, _read_model.clock_fields
    return [
        {name: format_time(clock[name]) if name in times else clock[name] for name in fields}
        for clock in _read_model.staff_clocks_of(clocks)
    ]


def state_of(clocks: Sequence, *, breached: bool, now: datetime) -> tuple[str, datetime | None]:
    if _read_model is None:
        return ("breached" if breached else "none"), None
    return _read_model.state_of(clocks, breached=breached, now=now)


class _Schema:
    """Stands for the read model's schema of one field in @extend_schema_field, resolved when the
    schema is generated (after every app is ready), the way drf-spectacular's lazy_serializer does."""

    def __init__(self, name: str) -> None:
        self._name, self._field = name, None

    def _resolve(self) -> serializers.Field:
        if self._field is None:
            self._field = _read_model.schema(self._name) if _read_model is not None else serializers.JSONField()
        return self._field

    def __getattr__(self, item: str) -> Any:
        return getattr(self._resolve(), item)

    @property
    def __class__(self):  # isinstance() checks see the resolved field
        return self._resolve().__class__


def schema(name: str) -> Any:
    return _Schema(name)
