"""Objects that are either personal (an owner) or shared (no owner: with a team, or with every
team), such as macros and the desk's saved views: who may change or delete one."""

from typing import Any

from django.db.models import Q

from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team


def scoped_can_edit(*, user: User, owner_id: int | None) -> bool:
    """A personal object: its owner, while support staff. A shared one: leads and admins."""
    if owner_id is not None:
        return owner_id == user.pk and is_staff_member(user)
    return sees_every_team(user)


class ScopedEditAdminMixin:
    """For the ModelAdmin of a personal-or-shared model (an `owner_id`): another person's personal
    objects are not listed nor opened (as in the API, where they are a 404; a superuser, who runs
    the site, sees them all), change and delete only as scoped_can_edit allows, and the form gets
    the request's user (`form.user`) to check the scope it is given with the desk's rule."""

    def get_queryset(self, request) -> Any:
        objects = super().get_queryset(request)
        if request.user.is_superuser:
            return objects
        return objects.filter(Q(owner__isnull=True) | Q(owner_id=request.user.pk))

    def get_form(self, request, obj=None, change=False, **kwargs) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or scoped_can_edit(user=request.user, owner_id=obj.owner_id))

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or scoped_can_edit(user=request.user, owner_id=obj.owner_id))
