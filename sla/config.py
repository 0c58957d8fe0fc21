"""Writes to SLA configuration from the REST API: validated, logged, and followed by a
recompute of running clocks."""

from typing import Any
from urllib.parse import urlsplit

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import models, transaction

from accounts.audit import admin_log
from accounts.models import User
from notifications.models import WebhookEndpoint

from .config_cache import config_version_bump
from .models import BusinessCalendar, EscalationRule, EscalationStep, Holiday, SlaPolicy, SlaTarget, WorkingInterval
from .recompute import schedule_recompute


def _assign(instance: models.Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def calendar_save(
    *,
    actor: User,
    instance: BusinessCalendar | None,
    fields: dict[str, Any],
    intervals: list[dict] | None,
    holidays: list[dict] | None,
) -> BusinessCalendar:
    calendar = instance or BusinessCalendar()
    _assign(calendar, fields)
    calendar.full_clean()
    calendar.save()
    if intervals is not None:
        calendar.intervals.all().delete()
        WorkingInterval.objects.bulk_create(WorkingInterval(calendar=calendar, **row) for row in intervals)
    if holidays is not None:
        calendar.holidays.all().delete()
        Holiday.objects.bulk_create(Holiday(calendar=calendar, **row) for row in holidays)
    config_version_bump()  # bulk_create sends no post_save
    admin_log(actor=actor, obj=calendar, flag=CHANGE if instance else ADDITION, message="Saved through the API")
    if instance is not None:
        schedule_recompute(list(calendar.policies.values_list("pk", flat=True)))
    return calendar


@transaction.atomic
def policy_save(
    *,
    actor: User,
    instance: SlaPolicy | None,
    fields: dict[str, Any],
    categories: list | None,
    targets: list[dict] | None,
    change_message: str | list = "Saved through the API",
) -> SlaPolicy:
    """`instance` may be an unsaved policy (the admin's add form builds one): it is added."""
    policy = instance or SlaPolicy()
    adding = policy._state.adding
    _assign(policy, fields)
    policy.full_clean()
    policy.save()
    if categories is not None:
        policy.categories.set(categories)
    if targets is not None:
        policy.targets.all().delete()
        SlaTarget.objects.bulk_create(SlaTarget(policy=policy, **row) for row in targets)
    config_version_bump()  # bulk_create sends no post_save
    admin_log(actor=actor, obj=policy, flag=ADDITION if adding else CHANGE, message=change_message)
    # Conditions decide which tickets a policy governs: re-evaluate every running clock.
    schedule_recompute(None)
    return policy


_NO_LEGACY = object()


def _legacy_webhook(row: dict[str, Any]) -> Any:
    """A step written with the fields it had before endpoints (`webhook_url`, `webhook_secret`):
    the endpoint with that URL (and that secret, when one is given), created when none exists
    (with the given secret, else a generated one, shown in the admin on rotation). An empty URL
    clears the step's endpoint. _NO_LEGACY when neither field was given."""
    url = row.pop("webhook_url", None)
    secret = row.pop("webhook_secret", None)
    if url is None:
        return _NO_LEGACY
    if not url:
        return None
    endpoints = WebhookEndpoint.objects.filter(url=url)
    if secret:
        endpoints = endpoints.filter(secret=secret)
    endpoint = endpoints.order_by("pk").first()
    if endpoint is not None:
        return endpoint
    name = f"Escalation webhook {urlsplit(url).netloc or url}"[:90]
    taken = set(WebhookEndpoint.objects.filter(name__startswith=name).values_list("name", flat=True))
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name} #{n}"
    endpoint = WebhookEndpoint(name=unique, url=url, event_types=[])
    if secret:
        endpoint.secret = secret
    endpoint.save()
    return endpoint


@transaction.atomic
def rule_save(
    *, actor: User, instance: EscalationRule | None, fields: dict[str, Any], steps: list[dict] | None
) -> EscalationRule:
    rule = instance or EscalationRule()
    _assign(rule, fields)
    rule.full_clean()
    rule.save()
    if steps is not None:
        # Steps are matched by percentage and updated in place: a step that already fired for a
        # clock keeps its firing row, so editing a ladder never fires it twice.
        existing = {step.percent: step for step in rule.steps.all()}
        wanted = {row["percent"] for row in steps}
        rule.steps.exclude(percent__in=wanted).delete()
        for row in steps:
            row = dict(row)
            users = row.pop("notify_users", [])
            legacy = _legacy_webhook(row)
            if legacy is not _NO_LEGACY:
                row["webhook_endpoint"] = legacy
            step = existing.get(row["percent"]) or EscalationStep(rule=rule)
            _assign(step, row)
            step.full_clean(exclude=["rule"])
            step.save()
            step.notify_users.set(users)
    admin_log(actor=actor, obj=rule, flag=CHANGE if instance else ADDITION, message="Saved through the API")
    schedule_recompute([rule.policy_id])
    return rule


@transaction.atomic
def config_delete(*, actor: User, instance: models.Model) -> None:
    admin_log(actor=actor, obj=instance, flag=DELETION, message="Deleted through the API")
    policy_ids = None
    if isinstance(instance, EscalationRule):
        policy_ids = [instance.policy_id]
    instance.delete()
    schedule_recompute(policy_ids)
