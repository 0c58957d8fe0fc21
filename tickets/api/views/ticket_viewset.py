"""tickets/{reference}/...: one viewset for customers and staff on the same URLs. What both share
(the queryset, a guest link's limits, throttles, list and retrieve) is here; the actions come
from CustomerTicketActions (views.customer) and AgentTicketActions (views.agent)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.roles import is_staff_member
from support_desk.throttling import (
    MergeSplitThrottle,
    MessageCreateThrottle,
    RevealThrottle,
    TicketCreateThrottle,
    UploadThrottle,
)

from ... import access_log, selectors
from ...guest import GuestAccess
from ..permissions import IsStaffMember
from ..serializers import TicketDetailSerializer, TicketSerializer
from ._common import E401, E404
from .agent import AgentTicketActions
from .customer import CustomerTicketActions


@extend_schema_view(
    list=extend_schema(
        summary="The caller's tickets (customers), or the tickets the caller may see (staff)",
        responses={200: TicketSerializer(many=True), 401: E401},
    ),
    retrieve=extend_schema(responses={200: TicketDetailSerializer, 401: E401, 404: E404}),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CustomerTicketActions,
    AgentTicketActions,
    viewsets.GenericViewSet,
):
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    permission_classes = [IsAuthenticated]
    guest_access = True  # a guest link authenticates here, for GUEST_ACTIONS on its one ticket

    # What a guest link may do on its one ticket; everything else is refused.
    GUEST_ACTIONS = {
        "retrieve",
        "messages",
        "attachments",
        "attachment_download",
        "satisfaction",
        "reopen",
        "export",
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, GuestAccess) and self.action not in self.GUEST_ACTIONS:
            # Anything but its own ticket's customer endpoints answers a guest as it answers anonymous.
            raise exceptions.NotAuthenticated()

    def _scoped(self, queryset):
        if isinstance(self.request.auth, GuestAccess):
            return queryset.filter(pk=self.request.auth.ticket_id)
        return queryset

    def get_queryset(self):
        if self.action == "list":
            return self._scoped(selectors.ticket_list(user=self.request.user))
        if self.action in ("retrieve", "export"):
            return self._scoped(selectors.ticket_detail_queryset(user=self.request.user))
        return self._scoped(selectors.tickets_visible_to(self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return TicketSerializer
        return TicketDetailSerializer

    def get_throttles(self):
        if self.request.method != "POST":
            return []
        if self.action == "create":
            return [TicketCreateThrottle()]
        if self.action == "messages":
            return [MessageCreateThrottle()]
        if self.action == "attachments":
            return [UploadThrottle()]
        if self.action == "reveal":
            return [RevealThrottle()]
        if self.action in ("merge", "split"):
            return [MergeSplitThrottle()]
        return []

    def _require_staff(self) -> None:
        # Checked after get_object(): what the caller cannot see stays a 404, not a 403.
        if not IsStaffMember().has_permission(self.request, self):
            self.permission_denied(self.request, IsStaffMember.message)

    def _detail(self, ticket, status_code=status.HTTP_200_OK) -> Response:
        fresh = self._scoped(selectors.ticket_detail_queryset(user=self.request.user)).filter(pk=ticket.pk).first()
        if fresh is None:
            # The change moved the ticket out of the caller's sight (e.g. to another team).
            return Response({"reference": ticket.reference, "status": ticket.status}, status=status_code)
        return Response(TicketDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        if is_staff_member(request.user):
            # The access log: who of the staff opened which ticket, when (one statement).
            access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=request.user.pk, now=timezone.now())
        return Response(self.get_serializer(ticket).data)
