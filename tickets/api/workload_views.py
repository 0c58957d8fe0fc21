"""The desk's collision detection and routing controls: who else is on a ticket
(`tickets/{reference}/presence/`), an agent's own availability (`agents/me/`), and a lead's
reassignment of an agent's open tickets (`agents/{id}/reassign/`). Staff only."""

from collections.abc import Mapping

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AgentProfile, User
from accounts.roles import is_staff_member, role_of
from accounts.services import agent_set_availability
from support_desk.serializers import StrictSerializer
from support_desk.throttling import PresenceThrottle

from .. import bulk, presence, selectors
from ..models import Ticket
from .permissions import IsStaffMember
from .serializers import BulkResultSerializer

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such ticket or agent, or not one the caller may see.")
E429 = OpenApiResponse(description="Throttled; see the Retry-After header.")


class PresenceBeatSerializer(StrictSerializer):
    state = serializers.ChoiceField(choices=[*presence.STATES, "left"], default="viewing")


class PresentAgentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=list(presence.STATES))
    since = serializers.DateTimeField(help_text="When the agent started viewing or typing.")


class PresenceSerializer(serializers.Serializer):
    others = PresentAgentSerializer(many=True, help_text="The other agents on the ticket now.")
    heartbeat_seconds = serializers.IntegerField(help_text="Send the next heartbeat within this.")
    expires_seconds = serializers.IntegerField(help_text="An entry not renewed within this is gone.")


class PresenceView(APIView):
    """Heartbeat of an agent's workspace: `{state: viewing|typing}` every few seconds, `left` (or
    DELETE) when the page closes; the answer lists the other agents on the ticket. Entries expire
    after `expires_seconds`. Customers get 404 (as for the audit trail), guests 401."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PresenceThrottle]

    def _ticket(self, request, reference: str) -> Ticket:
        if not is_staff_member(request.user):
            raise NotFound(_("Not found."))  # a staff tool on a ticket: customers learn nothing
        return get_object_or_404(selectors.tickets_visible_to(request.user).only("id"), reference=reference)

    def _answer(self, others) -> Response:
        return Response(
            {
                "others": PresentAgentSerializer(others, many=True).data,
                "heartbeat_seconds": presence.PRESENCE_HEARTBEAT_SECONDS,
                "expires_seconds": presence.PRESENCE_TTL_SECONDS,
            }
        )

    @extend_schema(
        request=PresenceBeatSerializer,
        responses={200: PresenceSerializer, 400: E400, 401: E401, 404: E404, 429: E429},
    )
    def post(self, request, reference: str):
        ticket = self._ticket(request, reference)
        # The page's leave beacon is a form that carries the CSRF token (sendBeacon sets no header).
        data = request.data
        if isinstance(data, Mapping):  # anything else (a JSON list, a number) is the serializer's 400
            data = {key: data.get(key) for key in data if key != "csrfmiddlewaretoken"}
        serializer = PresenceBeatSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        others = presence.presence_beat(
            ticket=ticket, user=request.user, state=serializer.validated_data["state"], now=timezone.now()
        )
        return self._answer(others)

    @extend_schema(request=None, responses={200: PresenceSerializer, 401: E401, 404: E404, 429: E429})
    def delete(self, request, reference: str):
        ticket = self._ticket(request, reference)
        return self._answer(presence.presence_beat(ticket=ticket, user=request.user, state="left", now=timezone.now()))


class AvailabilitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id", read_only=True)
    available = serializers.BooleanField()
    available_changed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    max_open_tickets = serializers.IntegerField(read_only=True, allow_null=True)
    role = serializers.SerializerMethodField(help_text="The caller's role: leads and admins may reassign.")

    def get_role(self, profile: AgentProfile) -> str:
        return str(self.context["role"])


class AvailabilityUpdateSerializer(StrictSerializer):
    available = serializers.BooleanField()


class AgentMeView(APIView):
    """The caller's availability for automatic assignment (available / away), with the languages
    and cap routing reads. Staff only: customers 403, anonymous and guests 401."""

    permission_classes = [IsStaffMember]

    def _profile(self, user: User) -> AgentProfile:
        profile = AgentProfile.objects.filter(user=user).first()
        return profile or AgentProfile(user=user)

    @extend_schema(responses={200: AvailabilitySerializer, 401: E401, 403: E403})
    def get(self, request):
        context = {"role": role_of(request.user)}
        return Response(AvailabilitySerializer(self._profile(request.user), context=context).data)

    @extend_schema(
        request=AvailabilityUpdateSerializer, responses={200: AvailabilitySerializer, 400: E400, 401: E401, 403: E403}
    )
    def patch(self, request):
        serializer = AvailabilityUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = agent_set_availability(
            agent=request.user, available=serializer.validated_data["available"], now=timezone.now()
        )
        return Response(AvailabilitySerializer(profile, context={"role": role_of(request.user)}).data)


class ReassignSerializer(StrictSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        help_text="The agent who takes the tickets, or null: back to the queue.",
    )


class AgentReassignView(APIView):
    """A lead's button for an agent who went away: every open ticket the agent holds goes to
    `assignee`, or back to the queue (`null`), each through the single-ticket assign (its rules,
    its `assigned`/`unassigned` event). Per-ticket results as `tickets/bulk/`. Leads and admins
    only (agents 403); an unknown agent is 404."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=ReassignSerializer,
        responses={200: BulkResultSerializer(many=True), 400: E400, 401: E401, 403: E403, 404: E404},
        parameters=[OpenApiParameter("agent_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request, agent_id: int):
        agent = get_object_or_404(User, pk=agent_id)
        if not is_staff_member(agent):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = bulk.tickets_bulk_reassign_agent(
            actor=request.user, agent=agent, assignee=serializer.validated_data["assignee"], now=timezone.now()
        )
        return Response([result.as_dict() for result in results])
