"""The SLA configuration as ticket writes read it: loaded once per process, reloaded after a change.

Every ticket write used to load the active policies again (with their categories, targets,
calendars, working intervals and holidays) and each new clock's escalation ladder: eleven queries
per creation, for data that changes a few times a month. A snapshot is kept per process and
checked against a version token in the shared cache (Redis in production): every save or
delete of a configuration row changes the token, at once (so the writing transaction itself
reads its own change) and again after commit (so another process that reloaded in between,
still seeing the old rows, reloads once more). The token is random, not a counter: a flushed
cache starts a version no process holds.

The sweep keeps its own per-run cache (sla.sweep); this one serves the ticket services.
"""

import secrets
import threading
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.signals import m2m_changed, post_delete, post_save

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


_lock = threading.Lock()
_current: ConfigSnapshot | None = None


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version:
        return version
    fresh = secrets.token_hex(8)
    if cache.add(VERSION_KEY, fresh, timeout=None):
        return fresh
    return cache.get(VERSION_KEY) or fresh


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


def config_snapshot() -> ConfigSnapshot:
    """The active SLA configuration; one cache read when nothing changed."""
    global _current
    version = _version()
    current = _current
    if current is not None and current.version == version:
        return current
    with _lock:
        if _current is None or _current.version != version:
            _current = _load(version)
        return _current


def _set_new_version() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def config_version_bump() -> None:
    """Every process reloads the configuration on its next use: now, and after commit."""
    global _current
    _current = None
    _set_new_version()
    transaction.on_commit(_set_new_version)


def _changed(sender, **kwargs) -> None:
    config_version_bump()


def connect_signals() -> None:
    """Called from SlaConfig.ready: every write to the configuration, from the API, the admin or
    a shell, goes through one of these signals (bulk updates excepted: call the bump)."""
    for model in (SlaPolicy, SlaTarget, BusinessCalendar, WorkingInterval, Holiday, EscalationRule, EscalationStep):
        uid = f"sla.config_cache.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.deleted")
    m2m_changed.connect(_changed, sender=SlaPolicy.categories.through, dispatch_uid="sla.config_cache.categories")
