from rest_framework.permissions import BasePermission

from accounts.roles import is_staff_member


class IsStaffMember(BasePermission):
    """Agents, leads and admins. Customers who can see a ticket get 403 for staff actions."""

    message = "Only support staff can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))
