"""The SLA configuration as ticket writes read it: loaded once per process, reloaded after a change.

Every ticket write used to load the active policies again (with their categories, targets,
calendars, working intervals and holidays) and each new clock's escalation ladder: eleven queries
per creation, for data that changes a few times a month. A snapshot is kept per process
(support_desk.versioned): every save or delete of a configuration row changes the version token
in the shared cache, and a process checks the token at most once a second, so a change reaches
the other processes within that time and the one that made it at once.

The sweep keeps its own per-run cache (sla.sweep); this one serves the ticket services.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.db.models.signals import m2m_changed

from support_desk.versioned import VersionedSnapshot

from .models import (
    BusinessCalendar,
    EscalationRule,
    EscalationStep,
    Holiday,
    SlaPolicy,
    SlaTarget,
    WorkingInterval,
)
from .working_time import Schedule

VERSION_KEY = "sla:config-version"


@dataclass
class ConfigSnapshot:
    version: str
    policies: list[SlaPolicy]
    # (policy id, metric) -> the active ladder's steps by increasing percentage.
    ladders: dict[tuple[int, str], list[EscalationStep]] = field(default_factory=dict)
    schedules: dict[int | None, Schedule] = field(default_factory=dict)

    def ladder(self, policy_id: int | None, metric: str) -> list[EscalationStep]:
        return self.ladders.get((policy_id, metric), []) if policy_id is not None else []

    def schedule(self, calendar: BusinessCalendar | None) -> Schedule:
        """The calendar's schedule; read from the database only for a calendar no active policy
        uses (a clock started under a policy since deactivated)."""
        key = calendar.pk if calendar is not None else None
        schedule = self.schedules.get(key)
        return schedule if schedule is not None else Schedule.from_calendar(calendar)


def _load(version: str) -> ConfigSnapshot:
    policies = list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("categories", "targets", "calendar__intervals", "calendar__holidays")
        .order_by("position", "id")
    )
    # Every active ladder, also of inactive policies: a clock keeps the policy that started it.
    rules = EscalationRule.objects.filter(is_active=True).prefetch_related(
        Prefetch("steps", queryset=EscalationStep.objects.select_related("move_to_team").order_by("percent"))
    )
    ladders = {(rule.policy_id, rule.metric): list(rule.steps.all()) for rule in rules}
    schedules = {policy.calendar_id: Schedule.from_calendar(policy.calendar) for policy in policies}
    return ConfigSnapshot(
        version=version, policies=policies, ladders=ladders, schedules={None: Schedule(), **schedules}
    )


_snapshot = VersionedSnapshot(VERSION_KEY, _load)


def config_snapshot() -> ConfigSnapshot:
    """The active SLA configuration: this process's copy, the token checked at most once a second."""
    return _snapshot.get()


def config_version_bump() -> None:
    """Every process reloads the configuration on its next check: this one at once."""
    _snapshot.bump()


def _changed(sender, **kwargs) -> None:
    config_version_bump()


def connect_signals() -> None:
    """Called from SlaConfig.ready: every write to the configuration, from the API, the admin or
    a shell, goes through one of these signals (bulk updates excepted: call the bump)."""
    _snapshot.reload_on_change(
        SlaPolicy, SlaTarget, BusinessCalendar, WorkingInterval, Holiday, EscalationRule, EscalationStep
    )
    m2m_changed.connect(_changed, sender=SlaPolicy.categories.through, dispatch_uid="sla.config_cache.categories")
