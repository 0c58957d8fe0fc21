from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_staff_member
from tickets.selectors import tickets_visible_to

from .. import selectors, services, texts
from ..models import Incident, IncidentLink
from ..snapshot import incident_facts
from .serializers import (
    IncidentWithUpdatesSerializer,
    LinkedTicketSerializer,
    LinkRequestSerializer,
    LinkResultSerializer,
    PostUpdateSerializer,
    PreviewSerializer,
    ResolveSerializer,
    StaffIncidentSerializer,
    UnlinkRequestSerializer,
)


def _field_errors(call):
    """The services' model validation (Django's ValidationError) as a 400 with field errors."""
    try:
        return call()
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error


def _require_manager(request) -> None:
    if not services.can_manage(request.user):
        raise services.IncidentForbidden(services._("Only team leads and admins can manage incidents."))


def _require_staff(request) -> None:
    if not is_staff_member(request.user):
        raise services.IncidentForbidden(services._("Only support staff can do this."))


class IncidentListView(APIView):
    """Known problems. `active=true` (unresolved); `category`, `asset`, `network` narrow it to the
    incidents that affect what the customer is about to report. Each with its public updates.
    POST (leads): a new incident."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[
            OpenApiParameter("active", bool),
            OpenApiParameter("category", str),
            OpenApiParameter("asset", str),
            OpenApiParameter("network", str),
        ],
        responses={200: IncidentWithUpdatesSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        params = request.query_params
        if params.get("active", "true").lower() in ("false", "0", "no"):
            incidents = selectors.incidents_recent(limit=50)
        else:
            incidents = selectors.incidents_active(
                category=params.get("category", ""), asset=params.get("asset", ""), network=params.get("network", "")
            )
        return Response(IncidentWithUpdatesSerializer(incidents, many=True).data)

    @extend_schema(request=StaffIncidentSerializer, responses={201: StaffIncidentSerializer})
    def post(self, request):
        _require_manager(request)
        data = StaffIncidentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        categories = fields.pop("categories", None)
        fields.setdefault("started_at", timezone.now())
        incident = _field_errors(
            lambda: services.incident_create(
                actor=request.user, fields=fields, categories=categories, now=timezone.now()
            )
        )
        return Response(StaffIncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    """An incident with its update history (public); PATCH (leads) edits it."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: IncidentWithUpdatesSerializer}, auth=[])
    def get(self, request, pk: int):
        incident = get_object_or_404(selectors.incident_public_queryset(), pk=pk)
        return Response(IncidentWithUpdatesSerializer(incident).data)

    @extend_schema(request=StaffIncidentSerializer, responses={200: StaffIncidentSerializer})
    def patch(self, request, pk: int):
        _require_manager(request)
        incident = get_object_or_404(Incident, pk=pk)
        data = StaffIncidentSerializer(incident, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        categories = fields.pop("categories", None)
        incident = _field_errors(
            lambda: services.incident_update(
                actor=request.user, incident=incident, fields=fields, categories=categories, now=timezone.now()
            )
        )
        return Response(StaffIncidentSerializer(incident).data)


class IncidentUpdatesView(APIView):
    """POST (leads): a public update, broadcast to every linked ticket and e-mailed to their customers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PostUpdateSerializer, responses={201: IncidentWithUpdatesSerializer})
    def post(self, request, pk: int):
        _require_manager(request)
        incident = get_object_or_404(Incident, pk=pk)
        data = PostUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        eta = values.pop("eta") if "eta" in values else "keep"
        _field_errors(
            lambda: services.incident_post_update(
                actor=request.user, incident=incident, eta=eta, now=timezone.now(), **values
            )
        )
        incident = selectors.incident_public_queryset().get(pk=pk)
        return Response(IncidentWithUpdatesSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentPreviewView(APIView):
    """POST (leads): the update as a linked ticket will read it, in English and Chinese, and how
    many tickets it reaches. Nothing is saved."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PostUpdateSerializer, responses={200: PreviewSerializer})
    def post(self, request, pk: int):
        _require_manager(request)
        incident = get_object_or_404(Incident.objects.prefetch_related("categories"), pk=pk)
        data = PostUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        facts = incident_facts(incident)
        status_ = values.get("status") or incident.status
        eta = values.get("eta", incident.eta)
        body_zh = values.get("body_zh_hans") or values["body"]
        return Response(
            {
                "en": texts.update_body(facts, status=status_, eta=eta, text=values["body"], language="en"),
                "zh_hans": texts.update_body(facts, status=status_, eta=eta, text=body_zh, language="zh-hans"),
                "linked_tickets": IncidentLink.objects.filter(incident=incident).count(),
            }
        )


class IncidentResolveView(APIView):
    """POST (leads): the final update; `solve_tickets` solves every linked open ticket with it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ResolveSerializer, responses={201: IncidentWithUpdatesSerializer})
    def post(self, request, pk: int):
        _require_manager(request)
        incident = get_object_or_404(Incident, pk=pk)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _field_errors(
            lambda: services.incident_resolve(
                actor=request.user, incident=incident, now=timezone.now(), **data.validated_data
            )
        )
        incident = selectors.incident_public_queryset().get(pk=pk)
        return Response(IncidentWithUpdatesSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentLinksView(APIView):
    """Staff: the tickets linked to an incident (newest 200, with the rule that linked each);
    POST links tickets by hand (the desk's queue selection), per-ticket results."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: LinkedTicketSerializer(many=True)})
    def get(self, request, pk: int):
        _require_staff(request)
        incident = get_object_or_404(Incident, pk=pk)
        links = selectors.incident_links(incident=incident)
        visible = set(
            tickets_visible_to(request.user)
            .filter(pk__in=[link.ticket_id for link in links])
            .values_list("pk", flat=True)
        )
        return Response(LinkedTicketSerializer([link for link in links if link.ticket_id in visible], many=True).data)

    @extend_schema(
        request=LinkRequestSerializer,
        responses={200: LinkResultSerializer(many=True)},
    )
    def post(self, request, pk: int):
        _require_staff(request)
        incident = get_object_or_404(Incident, pk=pk)
        data = LinkRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.incident_link_many(
            actor=request.user, incident=incident, references=data.validated_data["references"], now=timezone.now()
        )
        return Response([result.as_dict() for result in results])


class IncidentUnlinkView(APIView):
    """Staff: take a ticket out of its incident."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=UnlinkRequestSerializer,
        responses={
            200: LinkResultSerializer,
            400: OpenApiResponse(description="Field errors."),
            401: OpenApiResponse(description="Not logged in."),
            403: OpenApiResponse(description="Support staff only."),
            404: OpenApiResponse(description="No such ticket, or not one the caller may see."),
        },
    )
    def post(self, request):
        _require_staff(request)
        data = UnlinkRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reference = data.validated_data["reference"]
        ticket = get_object_or_404(tickets_visible_to(request.user), reference=reference)
        unlinked = services.incident_unlink(actor=request.user, ticket=ticket, now=timezone.now())
        return Response({"reference": reference, "ok": unlinked})


class DeskIncidentsView(APIView):
    """Staff: active incidents (and those resolved in the last 7 days) with their linked tickets'
    counts, in both languages, for the desk's incident page and the queue's group headers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: StaffIncidentSerializer(many=True)})
    def get(self, request):
        _require_staff(request)
        return Response(StaffIncidentSerializer(selectors.incidents_for_desk(), many=True).data)
