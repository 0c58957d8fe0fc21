"""What a ticket's detail shows of the incident it is linked to (the portal's incident card),
contributed by the incidents app, which sits above tickets: IncidentsConfig.ready() registers
its reader here, so tickets never imports incidents. Without one a ticket has no incident."""

from typing import Any, Protocol

from rest_framework import serializers

from .models import Ticket


class IncidentReader(Protocol):
    def card_of(self, ticket: Ticket) -> dict[str, Any] | None:
        """The card of the ticket's incident in the active language, or None; from what the
        detail prefetched (its events) and the process's copy of the active incidents, so an
        active incident costs no statement."""

    def schema(self) -> serializers.Field: ...


_reader: IncidentReader | None = None


def register(reader: IncidentReader) -> None:
    global _reader
    _reader = reader


def card_of(ticket: Ticket) -> dict[str, Any] | None:
    return _reader.card_of(ticket) if _reader is not None else None


class _Schema:
    """Resolved when the schema is generated (after every app is ready), as sla_view's."""

    def _resolve(self) -> serializers.Field:
        return _reader.schema() if _reader is not None else serializers.JSONField(allow_null=True)

    def __getattr__(self, item: str) -> Any:
        return getattr(self._resolve(), item)

    @property
    def __class__(self):
        return self._resolve().__class__


def schema() -> Any:
    return _Schema()
