"""The SLA fields of a ticket's API answers (sla, sla_clocks, sla_state, sla_warning_at), which
tickets.api.serializers and tickets.api.queue_rows show through tickets.sla_view: their schema
and their values, from the clocks the SLA app keeps."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Metric, SlaClock
from ..selectors import ClockRow


class SlaPromiseSerializer(serializers.Serializer):
    first_response_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)


class SlaClockSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    state = serializers.ChoiceField(choices=SlaClock.State.choices)
    cycle = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    target_minutes = serializers.IntegerField()
    breached = serializers.BooleanField()
    breached_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    paused_since = serializers.DateTimeField(allow_null=True)
    policy = serializers.CharField(allow_null=True, help_text=_("Name of the SLA policy that gave this clock."))
    policy_id = serializers.IntegerField(allow_null=True, help_text=_("Id of the SLA policy that gave this clock."))


# A running clock is in "warning" from this share of its target (the default ladder's first step).
SLA_WARNING_SHARE = 0.75
SLA_STATES = ["on_track", "warning", "breached", "paused", "none"]


def sla_state_of(
    clocks: Sequence[SlaClock | ClockRow], *, breached: bool, now: datetime
) -> tuple[str, datetime | None]:
    """The desk's colour for a ticket, from its clocks (model instances or a queue page's ClockRow
    values), and the moment the nearest running clock turns to "warning" (so a page can recolour a
    countdown without asking again). Breached: a clock was breached, or the nearest running one is
    past due. Warning: the nearest running clock is at or past 75 % of its target (in wall time to
    its due time)."""
    running = [clock for clock in clocks if clock.state == SlaClock.State.RUNNING and clock.due_at is not None]
    nearest = min(running, key=lambda clock: clock.due_at) if running else None
    warning_at = None
    if nearest is not None:
        warning_at = nearest.due_at - timedelta(seconds=nearest.target_seconds * (1 - SLA_WARNING_SHARE))
    if breached or any(clock.breached_at is not None for clock in clocks):
        return "breached", warning_at
    if nearest is None:
        if any(clock.state == SlaClock.State.PAUSED for clock in clocks):
            return "paused", None
        return "none", None
    if nearest.due_at <= now:
        return "breached", warning_at
    if warning_at <= now:
        return "warning", warning_at
    return "on_track", warning_at


CLOCK_FIELDS = list(SlaClockSerializer().fields)
CLOCK_TIMES = {"started_at", "due_at", "breached_at", "fulfilled_at", "paused_since"}
