"""SLA policies: which active policy gives a ticket (or the sweep's plain row) each metric's
target, and the escalation ladder's steps of a policy and metric. Below sla.services and
sla.sweep, which both build on it."""

from dataclasses import dataclass

from django.db.models import Prefetch

from accounts.models import CustomerProfile
from tickets.models import Ticket

from .config_cache import config_snapshot
from .models import EscalationRule, EscalationStep, SlaPolicy


def active_policies(*, calendars: bool = True) -> list[SlaPolicy]:
    """By position. `calendars=False`: without their calendars (the sweep caches its schedules)."""
    query = SlaPolicy.objects.filter(is_active=True).prefetch_related("categories", "targets")
    if calendars:
        query = query.select_related("calendar").prefetch_related("calendar__intervals", "calendar__holidays")
    return list(query.order_by("position", "id"))


def _tier(ticket: Ticket) -> str:
    profile = getattr(ticket.requester, "customer_profile", None)
    return profile.tier if profile else CustomerProfile.Tier.STANDARD


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """What a policy's conditions look at, for callers holding plain rows (the sweep), not a Ticket."""

    category_id: int
    priority: str
    tier: str
    channel: str
    is_complaint: bool


def _derived(policy: SlaPolicy) -> tuple[frozenset[int], dict[tuple[str, str], int]]:
    """A policy's category ids and its targets' minutes by (priority, metric), from its prefetched
    rows, kept on the instance: the snapshot's policies are read by every ticket write and every
    sweep batch, and a related manager per read cost more than the lookup itself."""
    derived = policy.__dict__.get("_desk_derived")
    if derived is None:
        derived = (
            frozenset(category.pk for category in policy.categories.all()),
            {(target.priority, target.metric): target.minutes for target in policy.targets.all()},
        )
        policy.__dict__["_desk_derived"] = derived
    return derived


def policy_matches(policy: SlaPolicy, ticket: Ticket | PolicyFacts) -> bool:
    tier = ticket.tier if isinstance(ticket, PolicyFacts) else _tier(ticket)
    category_ids = _derived(policy)[0]
    return (
        (not category_ids or ticket.category_id in category_ids)
        and (not policy.priorities or ticket.priority in policy.priorities)
        and (not policy.tiers or tier in policy.tiers)
        and (not policy.channels or ticket.channel in policy.channels)
        and (policy.is_complaint is None or policy.is_complaint == ticket.is_complaint)
    )


def matching_policies(ticket: Ticket | PolicyFacts, policies: list[SlaPolicy] | None = None) -> list[SlaPolicy]:
    """The active policies whose conditions match the ticket, by position (by default from the
    process's configuration snapshot, not reloaded on every write)."""
    if policies is None:
        policies = config_snapshot().policies
    return [policy for policy in policies if policy_matches(policy, ticket)]


def policy_for_metric(
    ticket: Ticket | PolicyFacts,
    metric: str,
    policies: list[SlaPolicy] | None = None,
    *,
    matching: list[SlaPolicy] | None = None,
) -> SlaPolicy | None:
    """Each metric is resolved on its own: the first matching policy (by position) with a target
    for this metric at the ticket's priority gives it, else the next one, down to the default (the
    policy without conditions). A narrow policy (say VIP, first response only) so never leaves a
    ticket without its other promises. `matching`: matching_policies(ticket), when already known."""
    for policy in matching_policies(ticket, policies) if matching is None else matching:
        if target_seconds(policy, priority=ticket.priority, metric=metric) is not None:
            return policy
    return None


def target_seconds(policy: SlaPolicy, *, priority: str, metric: str) -> int | None:
    minutes = _derived(policy)[1].get((priority, metric))
    return minutes * 60 if minutes is not None else None


def ladder_steps(policy_id: int | None, metric: str, cache: dict | None = None) -> list[EscalationStep]:
    """The active ladder's steps for a policy and metric, by increasing percentage. Without a
    `cache` of the caller's (the sweep's), from the configuration snapshot."""
    if policy_id is None:
        return []
    if cache is None:
        return config_snapshot().ladder(policy_id, metric)
    key = (policy_id, metric)
    if key in cache:
        return cache[key]
    rule = (
        EscalationRule.objects.filter(policy_id=policy_id, metric=metric, is_active=True)
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=EscalationStep.objects.select_related("move_to_team")
                .prefetch_related("notify_users")
                .order_by("percent"),
            )
        )
        .first()
    )
    steps = list(rule.steps.all()) if rule else []
    if cache is not None:
        cache[key] = steps
    return steps
