"""The customer-facing API: the categories to choose from, and the ticket actions a customer (or a
guest link) takes on their own tickets, which staff take on the tickets they see too."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response

from accounts.roles import is_staff_member

from ... import selectors, services
from ...exceptions import TicketStale
from ...export import public_record
from ..serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CategorySerializer,
    ComplaintMarkSerializer,
    DuplicateCheckSerializer,
    DuplicateQuerySerializer,
    MessageCreateSerializer,
    MessageSerializer,
    SatisfactionOutSerializer,
    SatisfactionSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
)
from ._common import E400, E401, E403, E404, E409, E409_STALE, E429, stale_response


@extend_schema_view(list=extend_schema(responses={200: CategorySerializer(many=True), 401: E401}))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The categories a customer picks from, with the structured fields each needs."""

    serializer_class = CategorySerializer
    pagination_class = None
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.categories_active()


# TicketViewSet's actions open to customers (and guest links) too; they use its helpers (get_object,
# _detail). No class docstring: drf-spectacular would take it for every operation without its own.
class CustomerTicketActions:
    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, 400: E400, 401: E401, 429: E429},
    )
    @sensitive_variables()  # the customer's text: never in an error report's frame variables
    def create(self, request):
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fields = services.TicketFields(**{name: data[name] for name in services.STRUCTURED_FIELDS})
        ticket = services.ticket_create(
            requester=request.user,
            category=data["category"],
            subject=data["subject"],
            body=data["body"],
            fields=fields,
            channel="api" if request.auth else "web",
            language=(get_language() or "en").lower(),
            is_complaint=data["is_complaint"],
            now=timezone.now(),
        )
        if not is_staff_member(request.user):
            # A customer always sees their own new ticket, and the service left its rows on the
            # instance: the answer needs no reading back. (Staff may file into a team they do
            # not see, which _detail works out.)
            context = self.get_serializer_context()
            return Response(TicketDetailSerializer(ticket, context=context).data, status=status.HTTP_201_CREATED)
        return self._detail(ticket, status.HTTP_201_CREATED)

    @extend_schema(
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 400: E400, 401: E401, 404: E404, 409: E409_STALE, 429: E429},
        description="Customers' `internal` is ignored: their messages are always public.",
    )
    @action(detail=True, methods=["post"])
    @sensitive_variables()  # the customer's text: never in an error report's frame variables
    def messages(self, request, reference=None):
        ticket = self.get_object()
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = services.message_add(
                ticket=ticket,
                author=request.user,
                body=serializer.validated_data["body"],
                internal=serializer.validated_data["internal"],
                now=timezone.now(),
                expected_version=serializer.validated_data.get("expected_version"),
            )
        except TicketStale as stale:
            return stale_response(stale)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 400: E400, 401: E401, 404: E404, 409: E409, 429: E429},
    )
    @action(detail=True, methods=["post"])
    @sensitive_variables()  # the customer's text: never in an error report's frame variables
    def attachments(self, request, reference=None):
        ticket = self.get_object()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            ticket=ticket,
            uploader=request.user,
            upload=serializer.validated_data["file"],
            internal=serializer.validated_data["internal"],
            now=timezone.now(),
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file."), 401: E401, 404: E404},
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def attachment_download(self, request, reference=None, attachment_id=None):
        ticket = self.get_object()
        attachment = get_object_or_404(selectors.attachments_visible_to(self.request.user, ticket), pk=attachment_id)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        request=ComplaintMarkSerializer,
        responses={200: TicketDetailSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
        description="Mark the ticket as a formal complaint (the customer who filed it, or staff), received now; "
        'staff may withdraw the mark with `{"is_complaint": false}`.',
    )
    @action(detail=True, methods=["post"])
    def complaint(self, request, reference=None):
        serializer = ComplaintMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_set_complaint(
            ticket=self.get_object(),
            actor=request.user,
            is_complaint=serializer.validated_data["is_complaint"],
            now=timezone.now(),
        )
        return self._detail(ticket)

    @extend_schema(request=None, responses={200: TicketDetailSerializer, 401: E401, 404: E404, 409: E409})
    @action(detail=True, methods=["post"])
    def reopen(self, request, reference=None):
        ticket = services.ticket_reopen(ticket=self.get_object(), actor=request.user, now=timezone.now())
        return self._detail(ticket)

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=True),
            OpenApiParameter("txid", str),
            OpenApiParameter("order_id", str),
        ],
        responses={200: DuplicateCheckSerializer, 400: E400, 401: E401},
    )
    @action(detail=False, methods=["get"])
    def duplicates(self, request):
        """Before filing: the caller's open ticket in this category about the same transaction or order."""
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        duplicate = services.find_possible_duplicate(
            requester=request.user,
            category=data["category"],
            fields=services.TicketFields(txid=data["txid"], order_id=data["order_id"]),
        )
        return Response(
            {
                "possible_duplicate_of": duplicate.reference if duplicate else None,
                "subject": duplicate.subject if duplicate else None,
                "status": duplicate.status if duplicate else None,
            }
        )

    @extend_schema(
        request=SatisfactionSerializer,
        responses={200: SatisfactionOutSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"])
    def satisfaction(self, request, reference=None):
        ticket = self.get_object()
        serializer = SatisfactionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = services.ticket_rate(
            ticket=ticket, actor=request.user, now=timezone.now(), **serializer.validated_data
        )
        return Response(SatisfactionOutSerializer(rating).data)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "html"], description="`html`: a printable page")],
        responses={200: OpenApiResponse(description="The ticket's full public record."), 401: E401, 404: E404},
    )
    # No OPTIONS answer (405): with ?format=html it had no template to render, a 500.
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, TemplateHTMLRenderer], metadata_class=None)
    def export(self, request, reference=None, format=None):
        ticket = self.get_object()
        record = public_record(ticket, exported_at=timezone.now())
        if request.accepted_renderer.format == "html":
            return Response({"record": record}, template_name="tickets/export.html")
        response = Response(record)
        response["Content-Disposition"] = f'attachment; filename="{ticket.reference}.json"'
        return response
