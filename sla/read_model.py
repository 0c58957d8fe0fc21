"""The SLA data ticket readers show (tickets.sla_view), from the clocks the SLA app keeps."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Prefetch
from rest_framework import serializers

from tickets import sla_view
from tickets.models import Ticket

from . import selectors
from .api import ticket_fields
from .models import SlaClock


class ClockReadModel:
    clock_fields = ticket_fields.CLOCK_FIELDS
    clock_times = ticket_fields.CLOCK_TIMES

    def clocks_prefetch(self) -> Prefetch:
        return Prefetch("sla_clocks", queryset=SlaClock.objects.select_related("policy"))

    def clocks_of(self, ticket: Ticket) -> list[SlaClock]:
        # The prefetched clocks when the caller joined them (list and detail queries, a new ticket).
        return list(ticket.sla_clocks.all())

    def clock_rows_by_ticket(self, ticket_ids: Iterable[int]) -> dict[int, list]:
        return selectors.clock_rows_by_ticket(ticket_ids)

    def promises_of(self, clocks: Sequence) -> dict[str, datetime | None]:
        return selectors.promises_of(clocks)

    def staff_clocks_of(self, clocks: Sequence) -> list[dict]:
        return selectors.staff_clocks_of(clocks)

    def state_of(self, clocks: Sequence, *, breached: bool, now: datetime) -> tuple[str, datetime | None]:
        return ticket_fields.sla_state_of(clocks, breached=breached, now=now)

    def schema(self, name: str) -> serializers.Field:
        if name == "promises":
            return ticket_fields.SlaPromiseSerializer()
        if name == "clocks":
            return ticket_fields.SlaClockSerializer(many=True)
        if name == "state":
            return serializers.ChoiceField(choices=ticket_fields.SLA_STATES)
        raise KeyError(name)


def register() -> None:
    sla_view.register(ClockReadModel())
