"""What one sweep carries across its batches: the result counters and the configuration cache."""

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import User
from accounts.roles import ROLE_GROUPS, Role
from tickets.models import Category, Team

from ..models import BusinessCalendar, EscalationStep, SlaPolicy
from ..policies import PolicyFacts, active_policies, ladder_steps, matching_policies, policy_for_metric, target_seconds
from ..working_time import Schedule


@dataclass
class SweepResult:
    clocks: int = 0
    steps_fired: int = 0
    breaches: int = 0
    emails: int = 0
    webhooks: int = 0
    batches: int = 0
    fired_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def merge(cls, results: list["SweepResult"]) -> "SweepResult":
        total = cls()
        for part in results:
            for name, count in part.as_dict().items():
                setattr(total, name, getattr(total, name) + count)
            for kind, count in part.fired_by_kind.items():
                total.fired_by_kind[kind] += count
        return total

    def as_dict(self) -> dict:
        return {
            "clocks": self.clocks,
            "steps_fired": self.steps_fired,
            "breaches": self.breaches,
            "emails": self.emails,
            "webhooks": self.webhooks,
            "batches": self.batches,
        }


class SweepContext:
    """What a sweep caches across batches: calendars, ladders, policies, teams, categories, the
    leads-and-admins list. The parallel sweepers of one sweep share one cache (`shared`): each
    thread keeps only its partition and the clocks it skipped, and nothing is loaded twice."""

    def __init__(self, partition: tuple[int, int] | None = None, shared: "SweepContext | None" = None) -> None:
        self.partition = partition
        self.skipped: set[int] = set()
        self._shared = shared
        if shared is not None:
            self._lock = shared._lock
            self.schedules, self.steps = shared.schedules, shared.steps
            self._named, self._teams, self._categories = shared._named, shared._teams, shared._categories
            self._matching, self._targets = shared._matching, shared._targets
            return
        # Loads happen under the lock: a second thread waits for the first one's rows instead
        # of reading the same configuration again.
        self._lock = threading.RLock()
        self.schedules: dict[int | None, Schedule] = {None: Schedule()}
        self.steps: dict = {}
        self._leads: list[User] | None = None
        self._named: dict[int, list[User]] = {}
        self._teams: dict[int, Team] = {}
        self._categories: dict[int, Category] = {}
        self._policies: list[SlaPolicy] | None = None
        self._matching: dict[PolicyFacts, list[SlaPolicy]] = {}
        self._targets: dict[tuple[PolicyFacts, str], tuple[SlaPolicy | None, int | None]] = {}

    def policies(self) -> list[SlaPolicy]:
        """The active policies, loaded once per sweep (only when a step raised a priority). The
        retarget reads their conditions and targets; calendars come from schedule()."""
        if self._shared is not None:
            return self._shared.policies()
        with self._lock:
            if self._policies is None:
                self._policies = active_policies(calendars=False)
            return self._policies

    def target_for(self, facts: PolicyFacts, metric: str) -> tuple[SlaPolicy | None, int | None]:
        """The policy giving this metric's target to tickets with these facts, and the target in
        seconds (policies.policy_for_metric): worked out once per sweep for each set of facts
        and metric, not per clock (a batch's tickets share a few sets of facts)."""
        key = (facts, metric)
        if key not in self._targets:
            matching = self._matching.get(facts)
            if matching is None:
                matching = self._matching.setdefault(facts, matching_policies(facts, self.policies()))
            policy = policy_for_metric(facts, metric, matching=matching)
            seconds = target_seconds(policy, priority=facts.priority, metric=metric) if policy else None
            self._targets[key] = (policy, seconds)
        return self._targets[key]

    def team(self, team_id: int) -> Team:
        """Teams (with their lead) and categories are few: loaded once per sweep, not per ticket."""
        with self._lock:
            if team_id not in self._teams:
                self._teams.update((team.pk, team) for team in Team.objects.select_related("lead"))
            return self._teams[team_id]

    def category(self, category_id: int) -> Category:
        with self._lock:
            if category_id not in self._categories:
                self._categories.update((category.pk, category) for category in Category.objects.all())
            return self._categories[category_id]

    def schedule(self, calendar_id: int | None) -> Schedule:
        if calendar_id in self.schedules:
            return self.schedules[calendar_id]
        with self._lock:
            if calendar_id not in self.schedules:
                calendar = (
                    BusinessCalendar.objects.prefetch_related("intervals", "holidays").filter(pk=calendar_id).first()
                )
                self.schedules[calendar_id] = Schedule.from_calendar(calendar)
            return self.schedules[calendar_id]

    def ladder(self, policy_id: int | None, metric: str) -> list[EscalationStep]:
        if (policy_id, metric) in self.steps:
            return self.steps[(policy_id, metric)]
        with self._lock:
            return ladder_steps(policy_id, metric, self.steps)

    def named_users(self, step: EscalationStep) -> list[User]:
        with self._lock:
            if step.pk not in self._named:
                self._named[step.pk] = list(step.notify_users.all())
            return self._named[step.pk]

    def leads_and_admins(self) -> list[User]:
        if self._shared is not None:
            return self._shared.leads_and_admins()
        with self._lock:
            if self._leads is None:
                self._leads = list(
                    User.objects.filter(is_active=True)
                    .filter(
                        Q(is_superuser=True) | Q(groups__name__in=[ROLE_GROUPS[Role.LEAD], ROLE_GROUPS[Role.ADMIN]])
                    )
                    .distinct()
                )
            return self._leads
