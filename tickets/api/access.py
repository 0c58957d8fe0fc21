"""The leads' review of staff access (tickets.access_log): who opened which ticket and when, and
who revealed a customer's data and why. Leads and admins only: agents 403, customers 403,
anonymous and guests 401. A ticket's own summary is `GET tickets/{reference}/access/` (the ticket
viewset); here the lists across tickets, newest first, in keyset pages."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from accounts.roles import sees_every_team
from support_desk.pagination import KeysetPagination

from .. import access_log

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")


class IsLeadOrAdmin(BasePermission):
    message = "Only team leads and admins can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and sees_every_team(request.user))


class StaffMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class TicketRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    subject = serializers.CharField()


class AccessSummarySerializer(serializers.Serializer):
    staff = StaffMemberSerializer()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    reads = serializers.IntegerField(help_text="Reads of the ticket's detail (the workspace re-reads it every 15 s).")
    hours = serializers.IntegerField(help_text="In how many different hours they read it.")


class RevealEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = StaffMemberSerializer(allow_null=True)
    ticket = TicketRefSerializer()
    fields = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class TicketAccessSerializer(serializers.Serializer):
    opens = AccessSummarySerializer(many=True, help_text="Who opened the ticket, most recent first.")
    reveals = RevealEntrySerializer(many=True, help_text="Who revealed the customer's data, and why; newest first.")


class AccessRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    staff = StaffMemberSerializer()
    ticket = TicketRefSerializer()
    hour = serializers.DateTimeField(help_text="The start of the hour (UTC) the reads fell in.")
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="Reads in that hour.")


def reveal_entry(event) -> dict:
    data = event.data or {}
    return {
        "id": event.pk,
        "at": event.at,
        "actor": access_log.person_of(event.actor),
        "ticket": {"reference": event.ticket.reference, "subject": event.ticket.subject},
        "fields": list(data.get("fields", [])),
        "reason": str(data.get("reason", "")),
    }


def access_row(row) -> dict:
    return {
        "id": row.pk,
        "staff": access_log.person_of(row.staff),
        "ticket": {"reference": row.ticket.reference, "subject": row.ticket.subject},
        "hour": row.hour,
        "first_at": row.first_at,
        "last_at": row.last_at,
        "count": row.count,
    }


class AccessQuerySerializer(serializers.Serializer):
    agent = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="A staff member's id.")
    ticket = serializers.RegexField(r"^[A-Za-z0-9-]{1,40}$", required=False, help_text="A ticket's reference.")


class AccessPagination(KeysetPagination):
    ordering = ("hour", "id")
    descending = True


class RevealPagination(KeysetPagination):
    ordering = ("at", "id")
    descending = True


FILTERS = [
    OpenApiParameter("agent", int, description="Only this staff member's (user id)."),
    OpenApiParameter("ticket", str, description="Only this ticket's (reference)."),
]


class _ReviewList(generics.ListAPIView):
    permission_classes = [IsLeadOrAdmin]

    def _filters(self) -> dict:
        query = AccessQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return {"staff_id": query.validated_data.get("agent"), "reference": query.validated_data.get("ticket")}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer([self.entry(row) for row in page], many=True).data)


@extend_schema(parameters=FILTERS, responses={200: AccessRowSerializer(many=True), 400: E400, 401: E401, 403: E403})
class StaffAccessView(_ReviewList):
    """Who opened which ticket, when: one row per staff member, ticket and hour, newest first
    (`?agent=` one staff member's, `?ticket=` one ticket's). Two queries a page, whatever its size."""

    serializer_class = AccessRowSerializer

    def get_queryset(self):
        return access_log.access_rows(**self._filters())

    pagination_class = AccessPagination
    entry = staticmethod(access_row)


@extend_schema(parameters=FILTERS, responses={200: RevealEntrySerializer(many=True), 400: E400, 401: E401, 403: E403})
class StaffRevealView(_ReviewList):
    """Who revealed a customer's data, on which ticket, when and why (never the values), newest
    first (`?agent=`, `?ticket=`). From the audit trail's `pii_revealed` events."""

    serializer_class = RevealEntrySerializer

    def get_queryset(self):
        return access_log.reveal_rows(**self._filters())

    pagination_class = RevealPagination
    entry = staticmethod(reveal_entry)
