"""Every write to an incident: the admin, the desk and the API call these, so the rules and the
audit entry (the admin's LogEntry; on tickets, their events through tickets.audit) are the same
on all of them.

- incident_create / incident_update: the incident itself (status moves by TRANSITIONS).
- incident_post_update: a public update (status, ETA, text in both languages), broadcast to every
  linked ticket and e-mailed to their customers on the `bulk` queue (incidents.broadcast).
- incident_resolve: the final update; optionally solving the linked open tickets with it.
- incident_link_many / incident_unlink: tickets linked by hand (the matcher links new tickets:
  incidents.hooks).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.audit import admin_log
from accounts.models import Role, User
from accounts.roles import is_staff_member, role_of
from notifications.services import outbox_fan_out
from notifications.webhooks import subscribed_endpoint_ids, webhook_emit
from support_desk.errors import ConflictError, DomainError, ForbiddenError
from tickets import audit, hooks
from tickets.bulk import BulkResult, messages_bulk_add_system
from tickets.models import Category, Ticket, TicketEvent
from tickets.selectors import tickets_visible_to

from . import texts
from .models import Incident, IncidentLink, IncidentUpdate
from .snapshot import incident_facts

Status = Incident.Status
Kind = TicketEvent.Kind

# The one table of status moves. Forward, skipping steps, always; back within the active ones
# (a fix that did not hold); a resolved incident reopens to investigating or monitoring.
TRANSITIONS: dict[str, set[str]] = {
    Status.INVESTIGATING: {Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED},
    Status.IDENTIFIED: {Status.INVESTIGATING, Status.MONITORING, Status.RESOLVED},
    Status.MONITORING: {Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED},
    Status.RESOLVED: {Status.INVESTIGATING, Status.MONITORING},
}
UPDATE_EMAIL = "incident_update"
RECIPIENT_QUERY = "incidents.update_recipients"
INCIDENT_UPDATED = "incident.updated"


class IncidentForbidden(ForbiddenError):
    pass


class IncidentTransitionError(ConflictError):
    pass


class IncidentInvalid(DomainError):
    pass


def can_manage(user: User) -> bool:
    """Leads and admins manage incidents (create, update, post, resolve)."""
    return bool(getattr(user, "is_superuser", False)) or role_of(user) in (Role.LEAD, Role.ADMIN)


def _require_manager(actor: User) -> None:
    if not can_manage(actor):
        raise IncidentForbidden(_("Only team leads and admins can manage incidents."))


def check_transition(previous: str, status: str) -> None:
    if status == previous or status in TRANSITIONS.get(previous, set()):
        return
    raise IncidentTransitionError(
        _("An incident cannot go from %(from)s to %(to)s.")
        % {"from": Status(previous).label, "to": Status(status).label}
    )


# What a caller may set; `updated_at` is the database's, the categories are passed on their own.
INCIDENT_FIELDS = (
    "title",
    "title_zh_hans",
    "message",
    "message_zh_hans",
    "status",
    "assets",
    "networks",
    "advice",
    "advice_zh_hans",
    "sla_clocks",
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
    admin_log(actor=actor, obj=incident, flag=ADDITION, message=message)
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
    fields = dict(fields)
    status = fields.pop("status", locked.status)
    check_transition(locked.status, status)
    _apply(locked, fields=fields, now=now)
    locked.save()
    if categories is not None:
        locked.categories.set(categories)
    changed = _changed_fields(before, locked)
    if before["sla_clocks"] != locked.sla_clocks and locked.status != Status.RESOLVED:
        # The choice applies to the tickets already linked too, not only to those linked next.
        linked = tuple(IncidentLink.objects.filter(incident=locked).values_list("ticket_id", flat=True))
        if linked:
            held = locked.sla_clocks == Incident.SlaClocks.PAUSE
            hooks.emit(hooks.ClocksHeld(ticket_ids=linked, held=held, reason="incident", now=now))
    if status != locked.status:
        # The status change is logged with its public update (below); the other fields here.
        if changed:
            admin_log(actor=actor, obj=locked, flag=CHANGE, message=[{"changed": {"fields": changed}}])
    else:
        if change_message is None:
            change_message = [{"changed": {"fields": changed}}] if changed else []
        admin_log(actor=actor, obj=locked, flag=CHANGE, message=change_message)
    if status != locked.status:
        # A new status is a public update, whoever sets it (the admin's form, a PATCH): the linked
        # customers are told, and a resolution releases the clocks the incident held, as the
        # desk's update and resolve do.
        texts = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                texts[language] = _("The incident's status is now: %(status)s.") % {"status": Status(status).label}
        incident_post_update(
            actor=actor, incident=locked, body=texts["en"], body_zh_hans=texts["zh-hans"], status=status, now=now
        )
        locked.refresh_from_db()
    return locked


# --- public updates and their broadcast ----------------------------------------------------------


@transaction.atomic
def incident_post_update(
    *,
    actor: User,
    incident: Incident,
    body: str,
    body_zh_hans: str = "",
    status: str | None = None,
    eta: datetime | str | None = "keep",
    solve_tickets: bool = False,
    now: datetime,
) -> IncidentUpdate:
    """A public update: the incident takes its status and ETA (`eta="keep"`: unchanged), the
    update is kept with them, and in the same transaction the broadcast is queued: its e-mails
    as one outbox batch (notifications.outbox_fan_out, fanned out on the `bulk` queue to one
    e-mail per linked customer, in their language) and its messages on the linked tickets by
    incidents.broadcast, in batches, resumable. `solve_tickets` (a resolution only): each linked
    open ticket is solved with the update as its final message."""
    _require_manager(actor)
    if not body.strip():
        raise IncidentInvalid(_("Write what changed."), field="body")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    status = status or locked.status
    check_transition(locked.status, status)
    if solve_tickets and status != Status.RESOLVED:
        raise IncidentInvalid(_("Tickets are solved only with the resolution."), field="solve_tickets")
    fields: dict[str, Any] = {"status": status}
    if eta != "keep":
        fields["eta"] = eta
    before = {name: getattr(locked, name) for name in INCIDENT_FIELDS}
    _apply(locked, fields=fields, now=now)
    locked.save()
    update = IncidentUpdate.objects.create(
        incident=locked,
        status=locked.status,
        eta=locked.eta,
        body=body.strip(),
        body_zh_hans=body_zh_hans.strip(),
        created_at=now,
        created_by=actor,
        solve_tickets=solve_tickets,
    )
    changed = _changed_fields(before, locked)
    admin_log(
        actor=actor,
        obj=locked,
        flag=CHANGE,
        message=[{"added": {"name": str(IncidentUpdate._meta.verbose_name), "object": str(update)}}]
        + ([{"changed": {"fields": changed}}] if changed else []),
    )
    if IncidentLink.objects.filter(incident=locked, linked_at__lte=now).exists():
        outbox_fan_out(
            purpose=UPDATE_EMAIL,
            template=UPDATE_EMAIL,
            facts={"update_id": update.pk},
            query={"name": RECIPIENT_QUERY, "update_id": update.pk},
            now=now,
        )
        from .broadcast import broadcast_queue  # the task module imports these services

        broadcast_queue(update_id=update.pk)
    else:
        IncidentUpdate.objects.filter(pk=update.pk).update(broadcast_done_at=now)
        update.broadcast_done_at = now
    if subscribed_endpoint_ids(INCIDENT_UPDATED):
        webhook_emit(event=INCIDENT_UPDATED, data=incident_webhook_facts(locked, update), now=now)
    return update


def incident_webhook_facts(incident: Incident, update: IncidentUpdate) -> dict[str, Any]:
    return {
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "status": incident.status,
            "eta": incident.eta.isoformat() if incident.eta else None,
        },
        "update": {"id": update.pk, "status": update.status, "created_at": update.created_at.isoformat()},
    }


def incident_resolve(
    *, actor: User, incident: Incident, body: str, body_zh_hans: str = "", solve_tickets: bool, now: datetime
) -> IncidentUpdate:
    """The final update. With `solve_tickets`, every linked open ticket gets it as its last
    message and is solved (one bulk action, done by the broadcast's batches); the clocks a
    'pause' incident held run again (or stop, for the tickets it solves)."""
    return incident_post_update(
        actor=actor,
        incident=incident,
        body=body,
        body_zh_hans=body_zh_hans,
        status=Status.RESOLVED,
        solve_tickets=solve_tickets,
        now=now,
    )


# --- links ---------------------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not is_staff_member(actor):
        raise IncidentForbidden(_("Only support staff can link tickets to incidents."))


@transaction.atomic
def incident_link_many(
    *, actor: User, incident: Incident, references: list[str], now: datetime, answer: bool = True
) -> list[BulkResult]:
    """Link the tickets (by reference, those the actor may see) to `incident` by hand, as a set:
    one statement each for the lookups, the links, the answers and the events, whatever the count.
    Each linked ticket gets the incident's answer (as a new ticket would), an `incident_linked`
    event (rule "manual"), and its clocks held if the incident pauses them. A ticket already
    linked here is left as it is; one linked to another incident, or closed, is refused."""
    _require_staff(actor)
    if not incident.is_active:
        raise IncidentInvalid(_("A resolved incident takes no new tickets."), field="incident")
    references = list(dict.fromkeys(references))
    visible = {
        row["reference"]: row
        for row in tickets_visible_to(actor)
        .filter(reference__in=references)
        .values("pk", "reference", "status", "language")
    }
    existing = dict(
        IncidentLink.objects.filter(ticket_id__in=[row["pk"] for row in visible.values()]).values_list(
            "ticket_id", "incident_id"
        )
    )
    results, linking = [], []
    for reference in references:
        row = visible.get(reference)
        if row is None:
            results.append(BulkResult(reference, ok=False, error=_("Not found."), code="not_found"))
        elif existing.get(row["pk"]) == incident.pk:
            results.append(BulkResult(reference, ok=True))
        elif row["pk"] in existing:
            results.append(BulkResult(reference, ok=False, error=_("Linked to another incident."), code="conflict"))
        elif row["status"] == Ticket.Status.CLOSED:
            results.append(BulkResult(reference, ok=False, error=_("This ticket is closed."), code="conflict"))
        else:
            linking.append(row)
            results.append(BulkResult(reference, ok=True))
    if linking:
        IncidentLink.objects.bulk_create(
            [
                IncidentLink(
                    incident=incident,
                    ticket_id=row["pk"],
                    rule=IncidentLink.Rule.MANUAL,
                    linked_at=now,
                    linked_by=actor,
                )
                for row in linking
            ]
        )
        events = [
            audit.row(row["pk"], Kind.INCIDENT_LINKED, now, actor_id=actor.pk, incident_id=incident.pk, rule="manual")
            for row in linking
        ]
        if answer:
            facts = incident_facts(incident)
            bodies: dict[str, str] = {}
            messages = [
                (
                    row["pk"],
                    bodies.setdefault(
                        texts.language_of(row["language"]), texts.answer_body(facts, language=row["language"])
                    ),
                )
                for row in linking
            ]
            messages_bulk_add_system(messages=messages, now=now, data={"incident_id": incident.pk}, extra_events=events)
        else:
            audit.record_many(events)
        if incident.sla_clocks == Incident.SlaClocks.PAUSE:
            hooks.emit(
                hooks.ClocksHeld(ticket_ids=tuple(row["pk"] for row in linking), held=True, reason="incident", now=now)
            )
    return results


@transaction.atomic
def incident_unlink(*, actor: User, ticket: Ticket, now: datetime) -> bool:
    """Take a ticket out of its incident (it was about something else): an `incident_unlinked`
    event; the clocks the incident held run again. False when it was not linked."""
    _require_staff(actor)
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    link = IncidentLink.objects.select_related("incident").filter(ticket=locked).first()
    if link is None:
        return False
    link.delete()
    audit.record(locked, actor=actor, kind=Kind.INCIDENT_UNLINKED, at=now, incident_id=link.incident_id, rule=link.rule)
    if link.incident.sla_clocks == Incident.SlaClocks.PAUSE and link.incident.is_active:
        hooks.emit(hooks.ClocksHeld(ticket_ids=(locked.pk,), held=False, reason="incident", now=now))
    return True
