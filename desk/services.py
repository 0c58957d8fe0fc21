"""Writes of saved queue views, and the rule of who may write which.

Any agent saves personal views; only leads and admins share a view with a team, and only they
change or delete team views. A view change is not a ticket state change: no TicketEvent, but the
view keeps who created and last changed it, and the Django admin's history (LogEntry) records
every write, deletions included.
"""

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from accounts.audit import admin_log
from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team
from tickets.api.filters import QueueFilter
from tickets.exceptions import TicketForbidden
from tickets.models import Team, Ticket
from tickets.scoped import scoped_can_edit

from .models import SavedView

MAX_FILTER_VALUE_LENGTH = 200
FILTER_NAMES = tuple(QueueFilter.base_filters)


def saved_view_can_edit(*, user: User, view: SavedView) -> bool:
    # A team view has no owner (saved_view_personal_xor_team): the shared objects' rule.
    return scoped_can_edit(user=user, owner_id=view.owner_id)


def saved_view_check_share(*, actor: User, team: Team | None) -> None:
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))
    if team is not None and not sees_every_team(actor):
        raise TicketForbidden(_("Only leads and admins can share a view with a team."))


def _filter_errors(errors: Any) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        return {
            name: [str(message) for message in (value if isinstance(value, list) else [value])]
            for name, value in errors.items()
        }
    return {"filters": [str(message) for message in errors]}


def queue_filterset(*, filters: dict[str, str], user: User, queryset) -> QueueFilter:
    return QueueFilter(data=filters, queryset=queryset, request=SimpleNamespace(user=user))


def saved_view_clean_filters(*, filters: Any, user: User) -> dict[str, str]:
    """The filters as GET queue/ takes them, checked by the queue's own filter set: an unknown
    parameter or a value the queue would refuse is a ValidationError naming it (under `filters`)."""
    if not isinstance(filters, dict):
        raise ValidationError({"filters": [_('Send an object of queue parameters, e.g. {"status": "new"}.')]})
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, value in filters.items():
        if name not in FILTER_NAMES:
            errors[str(name)[:50]] = [_("Not a queue filter.")]
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            errors[name] = [_("Use text, as in the queue's query string.")]
            continue
        if len(value) > MAX_FILTER_VALUE_LENGTH or "\x00" in value:
            errors[name] = [_("This value is not valid.")]
            continue
        if value.strip():
            cleaned[name] = value.strip()
    if errors:
        raise ValidationError({"filters": errors})
    filterset = queue_filterset(filters=cleaned, user=user, queryset=Ticket.objects.none())
    if not filterset.is_valid():
        raise ValidationError({"filters": _filter_errors(filterset.errors)})
    try:
        filterset.qs  # noqa: B018 - the filter methods check their values while building the query
    except ValidationError as error:
        raise ValidationError({"filters": _filter_errors(error.detail)}) from error
    return cleaned


def saved_view_clean_columns(columns: Any) -> list[str]:
    if not isinstance(columns, list) or not all(isinstance(column, str) for column in columns):
        raise ValidationError({"columns": [_("Send a list of column names.")]})
    unknown = sorted(set(columns) - set(SavedView.Column.values))
    if unknown:
        raise ValidationError({"columns": [_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)[:200]}]})
    # In the table's order; the ticket itself is always shown.
    chosen = set(columns) | {SavedView.Column.SUBJECT}
    return [column for column in SavedView.Column.values if column in chosen] if columns else []


@transaction.atomic
def saved_view_create(
    *,
    actor: User,
    name: str,
    filters: Any,
    sort: str = SavedView.Sort.SLA_DUE,
    columns: Any = (),
    team: Team | None = None,
    now: datetime,
) -> SavedView:
    """A personal view of the actor, or (leads and admins, with `team`) a view of that team."""
    saved_view_check_share(actor=actor, team=team)
    view = SavedView.objects.create(
        name=name,
        owner=None if team is not None else actor,
        team=team,
        filters=saved_view_clean_filters(filters=filters, user=actor),
        sort=sort,
        columns=saved_view_clean_columns(list(columns)),
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    admin_log(actor=actor, obj=view, flag=ADDITION, message="Created in the desk")
    return view


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: User, changes: dict[str, Any], now: datetime) -> SavedView:
    """Change a view. `team` shares it with a team (or, null, takes it back as the actor's own
    personal view): leads and admins only, as every change to a team view."""
    locked = SavedView.objects.select_for_update().get(pk=view.pk)
    if not saved_view_can_edit(user=actor, view=locked):
        raise TicketForbidden(_("You cannot change this view."))
    if "team" in changes:
        team = changes["team"]
        if team is not None or locked.team_id is not None:
            saved_view_check_share(actor=actor, team=team or locked.team)
        locked.team = team
        locked.owner = None if team is not None else (locked.owner or actor)
    if "name" in changes:
        locked.name = changes["name"]
    if "filters" in changes:
        locked.filters = saved_view_clean_filters(filters=changes["filters"], user=actor)
    if "sort" in changes:
        locked.sort = changes["sort"]
    if "columns" in changes:
        locked.columns = saved_view_clean_columns(changes["columns"])
    locked.updated_at = now
    locked.updated_by = actor
    locked.save()
    admin_log(actor=actor, obj=locked, flag=CHANGE, message="Changed in the desk")
    return locked


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: User) -> None:
    locked = SavedView.objects.select_for_update().get(pk=view.pk)
    if not saved_view_can_edit(user=actor, view=locked):
        raise TicketForbidden(_("You cannot delete this view."))
    admin_log(actor=actor, obj=locked, flag=DELETION, message=f"Deleted in the desk: {locked.name}")
    locked.delete()
