"""The agent desk's additions to the API: reference data for its controls (teams, agents), the
macro preview, and bulk actions. Staff only; customers 403, anonymous and guests 401."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import bulk, selectors, services
from .permissions import IsStaffMember
from .serializers import (
    AgentSerializer,
    BulkRequestSerializer,
    BulkResultSerializer,
    MacroPreviewSerializer,
    TeamSerializer,
)

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such ticket or macro, or not one the caller may see.")


class TeamListView(APIView):
    """Every team, for the desk's team filter and control."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: TeamSerializer(many=True), 401: E401, 403: E403})
    def get(self, request):
        return Response(TeamSerializer(selectors.teams_all(), many=True).data)


class AgentListView(APIView):
    """Staff people a ticket can be assigned to, with their teams and role."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses={200: AgentSerializer(many=True), 401: E401, 403: E403})
    def get(self, request):
        return Response(AgentSerializer(selectors.agents_assignable(), many=True).data)


class MacroPreviewView(APIView):
    """What applying the macro would post and change. Nothing is changed."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=None,
        responses={200: MacroPreviewSerializer, 401: E401, 403: E403, 404: E404},
        parameters=[OpenApiParameter("macro_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request, reference: str, macro_id: int):
        ticket = get_object_or_404(
            selectors.tickets_visible_to(request.user).select_related("requester"), reference=reference
        )
        macro = get_object_or_404(selectors.macros_visible_to(request.user), pk=macro_id)
        body = services.render_macro(macro, ticket)
        return Response({"body": body, "actions": services.macro_actions(macro)})


class TicketBulkView(APIView):
    """One action on up to 100 tickets: one transaction, each ticket in its own savepoint through
    the single-ticket service (same rules, same audit events). The answer lists each ticket's
    result in the order sent; a ticket the caller may not see is "Not found."."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=BulkRequestSerializer, responses={200: BulkResultSerializer(many=True), 400: E400, 401: E401, 403: E403}
    )
    def post(self, request):
        serializer = BulkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        results = bulk.tickets_bulk(
            actor=request.user, references=data["references"], action=data["action"], params=data, now=timezone.now()
        )
        return Response([result.as_dict() for result in results], status=status.HTTP_200_OK)
