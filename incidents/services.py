"""Every write to an incident: the admin and any API path call these, so the rules and the
audit entry (the admin's LogEntry) are the same on both."""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User
from tickets.models import Category

from .models import Incident

# What a caller may set; `updated_at` is the database's, the categories are passed on their own.
INCIDENT_FIELDS = (
    "title",
    "title_zh_hans",
    "message",
    "message_zh_hans",
    "status",
    "assets",
    "networks",
    "eta",
    "started_at",
    "resolved_at",
)


def incident_resolved_at(*, status: str, resolved_at: datetime | None, now: datetime) -> datetime | None:
    """A resolved incident keeps the time it was given, else it is resolved now; an incident that
    is not resolved (or was reopened) has no resolution time."""
    if status != Incident.Status.RESOLVED:
        return None
    return resolved_at or now


def incident_errors(*, started_at: datetime | None, resolved_at: datetime | None) -> dict[str, list[str]]:
    """Field errors of an incident's times (the admin form shows them on the same fields)."""
    errors: dict[str, list[str]] = {}
    if started_at is not None and resolved_at is not None and resolved_at < started_at:
        errors["resolved_at"] = [_("An incident cannot be resolved before it started.")]
    return errors


def _apply(incident: Incident, *, fields: dict[str, Any], now: datetime) -> None:
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise TypeError(f"not incident fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.resolved_at = incident_resolved_at(status=incident.status, resolved_at=incident.resolved_at, now=now)
    errors = incident_errors(started_at=incident.started_at, resolved_at=incident.resolved_at)
    if errors:
        raise ValidationError(errors)
    incident.full_clean(exclude=["categories"])


def _log(*, actor: User, incident: Incident, flag: int, message: str | list) -> None:
    # The admin's own history, so admin and API changes read as one. A list is the admin's
    # structured change message (ModelAdmin.construct_change_message), stored as it stores it.
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(Incident),
        object_id=str(incident.pk),
        object_repr=str(incident)[:200],
        action_flag=flag,
        change_message=json.dumps(message) if isinstance(message, list) else message,
    )


def _changed_fields(before: dict[str, Any], incident: Incident) -> list[str]:
    return [
        # As the admin names them (a form field's label).
        capfirst(str(Incident._meta.get_field(name).verbose_name))
        for name, value in before.items()
        if getattr(incident, name) != value
    ]


@transaction.atomic
def incident_create(
    *,
    actor: User,
    fields: dict[str, Any],
    now: datetime,
    categories: Iterable[Category] | None = None,
    instance: Incident | None = None,
    change_message: str | list | None = None,
) -> Incident:
    """`instance` may be an unsaved incident (the admin's add form builds one): it is the one saved."""
    incident = instance if instance is not None else Incident()
    _apply(incident, fields=fields, now=now)
    incident.save()
    if categories is not None:
        incident.categories.set(categories)
    message = [{"added": {}}] if change_message is None else change_message
    _log(actor=actor, incident=incident, flag=ADDITION, message=message)
    return incident


@transaction.atomic
def incident_update(
    *,
    actor: User,
    incident: Incident,
    fields: dict[str, Any],
    now: datetime,
    categories: Iterable[Category] | None = None,
    change_message: str | list | None = None,
) -> Incident:
    # Applied to the stored row, not to `incident`: the admin's form has already copied its values
    # onto the instance it passes, and another caller's copy may be stale.
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    before = {name: getattr(locked, name) for name in INCIDENT_FIELDS}
    _apply(locked, fields=fields, now=now)
    locked.save()
    if categories is not None:
        locked.categories.set(categories)
    if change_message is None:
        changed = _changed_fields(before, locked)
        change_message = [{"changed": {"fields": changed}}] if changed else []
    _log(actor=actor, incident=locked, flag=CHANGE, message=change_message)
    return locked
