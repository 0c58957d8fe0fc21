from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth import logout as django_logout
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import lockout_response
from accounts.roles import is_staff_member, sees_every_team
from accounts.tokens import token_issue, token_revoke
from accounts.twofactor import otp_verify_for_token
from support_desk.pagination import KeysetPagination
from support_desk.throttling import (
    AuthThrottle,
    GuestEmailThrottle,
    GuestIpThrottle,
    MergeSplitThrottle,
    MessageCreateThrottle,
    PublicThrottle,
    RevealThrottle,
    TicketCreateThrottle,
    UploadThrottle,
)

from .. import access_log, guest, merge, privacy, queue_version, selectors, services
from ..exceptions import TicketStale
from ..export import public_record
from ..guest import GuestAccess
from ..models import Message, Ticket
from ..networks import NETWORKS, InvalidIdentifier, network_as_dict, validate_identifier
from .access import TicketAccessSerializer, reveal_entry
from .filters import QueueFilter
from .permissions import IsStaffMember
from .queue_rows import queue_rows
from .serializers import (
    AssignSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CategorySerializer,
    ComplaintMarkSerializer,
    DuplicateCheckSerializer,
    DuplicateQuerySerializer,
    EventSerializer,
    GuestLinkRequestSerializer,
    GuestTicketCreateSerializer,
    MergeRequestSerializer,
    MergeSuggestionSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    SatisfactionOutSerializer,
    SatisfactionSerializer,
    SplitRequestSerializer,
    StaleSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    ValidateIdentifierSerializer,
)

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such ticket, or not one the caller may see.")
E409 = OpenApiResponse(description="The change conflicts with the ticket's state.")
E429 = OpenApiResponse(description="Throttled; see the Retry-After header.")
E409_STALE = OpenApiResponse(
    StaleSerializer,
    description="The change conflicts with the ticket's state; or, with `expected_version`, someone else "
    "changed the ticket since (code `stale`, with `changes` and the current `version`).",
)


def stale_response(stale: TicketStale) -> Response:
    """409 for a stale precondition: what changed since the caller's version, so they can review."""
    body = {
        "detail": stale.message,
        "code": stale.code,
        "version": stale.version,
        "changes": EventSerializer(stale.changes, many=True).data,
    }
    return Response(body, status=status.HTTP_409_CONFLICT)


class TokenView(APIView):
    """Exchange a username and password for an API token (valid `API_TOKEN_MAX_AGE_DAYS` days,
    30 by default; revoked by `auth/logout/` and by a password change)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: E400, 429: E429},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request: django-axes records the attempt and flags a lockout on it.
        django_request = request._request
        otp = serializer.validated_data.pop("otp", "")
        user = authenticate(django_request, **serializer.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("Unable to log in with the provided credentials.")]})
        # Enrolled staff: the code too (400 on `otp`; a wrong one counts as a failed login).
        if AxesProxyHandler.is_locked(django_request, {"username": user.get_username()}):
            return lockout_response(django_request)
        otp_verify_for_token(request=django_request, user=user, code=otp)
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        token = token_issue(user=user, now=timezone.now())
        return Response({"token": token.key})


class LogoutView(APIView):
    """Revoke the caller's API token (and end the browser session, if there is one)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, 401: E401})
    def post(self, request):
        if isinstance(request.auth, Token):
            token_revoke(user=request.user)
        if request.session.session_key:
            django_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(responses={200: CategorySerializer(many=True), 401: E401}))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The categories a customer picks from, with the structured fields each needs."""

    serializer_class = CategorySerializer
    pagination_class = None
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.categories_active()


@extend_schema_view(
    list=extend_schema(
        summary="The caller's tickets (customers), or the tickets the caller may see (staff)",
        responses={200: TicketSerializer(many=True), 401: E401},
    ),
    retrieve=extend_schema(responses={200: TicketDetailSerializer, 401: E401, 404: E404}),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
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
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409_STALE},
    )
    def partial_update(self, request, reference=None):
        ticket = self.get_object()
        self._require_staff()
        serializer = TicketUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        expected_version = changes.pop("expected_version", None)
        try:
            ticket = services.ticket_update(
                ticket=ticket,
                actor=request.user,
                changes=changes,
                now=timezone.now(),
                expected_version=expected_version,
            )
        except TicketStale as stale:
            return stale_response(stale)
        return self._detail(ticket)

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

    @extend_schema(request=None, responses={200: TicketDetailSerializer, 401: E401, 403: E403, 404: E404, 409: E409})
    @action(detail=True, methods=["post"])
    def claim(self, request, reference=None):
        ticket = services.ticket_claim(ticket=self.get_object(), agent=request.user, now=timezone.now())
        return self._detail(ticket)

    @extend_schema(
        request=AssignSerializer,
        responses={200: TicketDetailSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, reference=None):
        ticket = self.get_object()
        self._require_staff()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.ticket_assign(
            ticket=ticket, actor=request.user, assignee=serializer.validated_data["assignee"], now=timezone.now()
        )
        return self._detail(ticket)

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

    @extend_schema(responses={200: EventSerializer(many=True), 401: E401, 404: E404})
    @action(detail=True, methods=["get"])
    def events(self, request, reference=None):
        ticket = self.get_object()
        if not IsStaffMember().has_permission(request, self):
            # The raw trail is never shown to customers, not even its existence.
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        page = self.paginate_queryset(selectors.ticket_events(ticket=ticket))
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(
        request=RevealRequestSerializer,
        responses={200: RevealSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 429: E429},
        description="Staff who may see the ticket: the customer's unmasked e-mail, exchange UID and addresses "
        "(`fields`, else all), with a reason. Recorded in the audit trail (`pii_revealed`: who, which fields, "
        "why; never the values) for the leads' review.",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, reference=None):
        ticket = self.get_object()
        self._require_staff()
        serializer = RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = privacy.customer_data_reveal(
            ticket=ticket,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            fields=serializer.validated_data.get("fields"),
            now=timezone.now(),
        )
        return Response(values)

    @extend_schema(responses={200: TicketAccessSerializer, 401: E401, 403: E403, 404: E404})
    @action(detail=True, methods=["get"])
    def access(self, request, reference=None):
        """Leads and admins: who of the staff opened the ticket, when, and who revealed the
        customer's data, why. Agents 403; customers 404 (a staff tool, as the audit trail)."""
        ticket = self.get_object()
        if not is_staff_member(request.user):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        if not sees_every_team(request.user):
            self.permission_denied(request, _("Only team leads and admins can do this."))
        data = {
            "opens": access_log.ticket_access_summary(ticket=ticket),
            "reveals": [reveal_entry(event) for event in access_log.ticket_reveals(ticket=ticket)],
        }
        return Response(TicketAccessSerializer(data).data)

    @extend_schema(
        request=None,
        responses={200: TicketDetailSerializer, 401: E401, 403: E403, 404: E404, 409: E409},
        parameters=[OpenApiParameter("macro_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"macros/(?P<macro_id>\d+)/apply")
    def apply_macro(self, request, reference=None, macro_id=None):
        ticket = self.get_object()
        self._require_staff()
        macro = get_object_or_404(selectors.macros_visible_to(request.user), pk=macro_id)
        ticket = services.macro_apply(ticket=ticket, macro=macro, actor=request.user, now=timezone.now())
        return self._detail(ticket)

    @extend_schema(
        request=None,
        responses={200: OpenApiResponse(description='{"revoked": int}'), 401: E401, 403: E403, 404: E404},
        description="Staff: every private guest link of the ticket stops working at once.",
    )
    @action(detail=True, methods=["post"], url_path="guest-links/revoke")
    def revoke_guest_links(self, request, reference=None):
        ticket = self.get_object()
        self._require_staff()
        revoked = guest.guest_links_revoke(ticket=ticket, actor=request.user, reason="staff", now=timezone.now())
        return Response({"revoked": revoked})

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

    @extend_schema(
        request=MergeRequestSerializer,
        responses={200: TicketDetailSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409_STALE, 429: E429},
        description="Staff: merge this ticket (a duplicate) into `into`, another ticket of the same customer. "
        "Nothing is moved: this ticket keeps its messages and events, gets a `merged_into` event and is closed; "
        "the main ticket gets a `merged_from` event with this ticket's reference and audit chain head, shows "
        "both conversations (`merged_from`), and the customer is told. 409 for two customers' tickets, a ticket "
        "into itself, one already merged or closed, or a main ticket that is closed or was itself merged. "
        "`expected_version`: this ticket's version the caller last saw. The answer is the main ticket.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, reference=None):
        duplicate = self.get_object()
        self._require_staff()
        serializer = MergeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        main = selectors.tickets_visible_to(request.user).filter(reference=serializer.validated_data["into"]).first()
        if main is None:
            raise ValidationError({"into": [_("No ticket with this reference that you can see.")]})
        try:
            main = merge.ticket_merge(
                duplicate=duplicate,
                main=main,
                actor=request.user,
                now=timezone.now(),
                expected_version=serializer.validated_data.get("expected_version"),
            )
        except TicketStale as stale:
            return stale_response(stale)
        return self._detail(main)

    @extend_schema(
        request=SplitRequestSerializer,
        responses={201: TicketDetailSerializer, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409, 429: E429},
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        description="Staff: a public message of the ticket's customer becomes the first message of a new ticket "
        "(same customer, category and team; its own SLA clocks). The message stays where it is: the new "
        "ticket's first message copies its text and references it, the new ticket gets a `split_from` event, "
        "this one a `split_to` event. The answer is the new ticket.",
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[0-9]{1,18})/split")
    def split(self, request, reference=None, message_id=None):
        ticket = self.get_object()
        self._require_staff()
        message = get_object_or_404(Message.objects.filter(ticket=ticket), pk=message_id)
        serializer = SplitRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = merge.message_split(
            ticket=ticket,
            message=message,
            actor=request.user,
            now=timezone.now(),
            subject=serializer.validated_data["subject"],
        )
        return self._detail(new, status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: MergeSuggestionSerializer(many=True), 401: E401, 403: E403, 404: E404},
        description="Staff: the customer's other open tickets you may see (at most 20), best merge target first: "
        "the same transaction hash or order id, then text similarity of subject and opening message. "
        "Suggestions only: nothing is merged. Customers 404 (a staff tool, as the audit trail).",
    )
    @action(detail=True, methods=["get"], url_path="merge-suggestions", pagination_class=None)
    def merge_suggestions(self, request, reference=None):
        ticket = self.get_object()
        if not is_staff_member(request.user):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        suggestions = merge.merge_suggestions(ticket=ticket, user=request.user)
        return Response(MergeSuggestionSerializer(suggestions, many=True).data)


class QueuePagination(KeysetPagination):
    # Nearest SLA due time first (no running clock: last), then oldest: ticket_open_queue_idx.
    # `queue_due` is the nearest SLA due time, or the far future when no clock runs (selectors).
    ordering = ("queue_due", "created_at", "id")


@extend_schema_view(
    get=extend_schema(
        summary="Open work, nearest SLA due time first",
        responses={200: TicketSerializer(many=True), 400: E400, 401: E401, 403: E403},
    )
)
class QueueView(generics.ListAPIView):
    """Open tickets the agent may work: nearest SLA due time first (tickets with no running clock
    last), then age. Cursor-paginated (`next`), `page_size` up to 100.

    Conditional: every answer has an `ETag`; a request whose `If-None-Match` matches gets `304 Not
    Modified` with no body and no ticket query (the queue version kept in the cache changes on
    every ticket write; an ETag also expires after a minute, for the time-dependent filters)."""

    serializer_class = TicketSerializer
    permission_classes = [IsStaffMember]
    filter_backends = [DjangoFilterBackend]
    filterset_class = QueueFilter
    pagination_class = QueuePagination

    def check_permissions(self, request):
        # A conditional poll reads the queue version and the caller's role in one cache round trip
        # (accounts.roles keeps the role on the user object), so an unchanged poll costs only the
        # authentication's queries. A full answer works the role out and refreshes the cached one.
        user = request.user
        conditional = user.is_authenticated and "If-None-Match" in request.headers
        keys = [queue_version.VERSION_KEY, *([queue_version.role_key(user.pk)] if conditional else [])]
        cached = cache.get_many(keys)
        if user.is_authenticated:
            queue_version.role_cached(user, cached.get(queue_version.role_key(user.pk)) if conditional else None)
        self._queue_version = queue_version.queue_version_from(cached.get(queue_version.VERSION_KEY))
        super().check_permissions(request)

    def _etag(self, request) -> str:
        # The version is read before the tickets: a write committed in between only costs a refetch.
        return queue_version.queue_etag(
            version=self._queue_version,
            user_id=request.user.pk,
            query=request.META.get("QUERY_STRING", ""),
            language=get_language() or "",
            now=timezone.now(),
        )

    @extend_schema(
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, description="A previous ETag.")],
        responses={200: TicketSerializer(many=True), 304: None, 400: E400, 401: E401, 403: E403},
    )
    def get(self, request, *args, **kwargs):
        etag = self._etag(request)
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response = self.list(request, *args, **kwargs)
        response["ETag"] = etag
        # The browser must ask again each time (with If-None-Match), never reuse a page unasked.
        response["Cache-Control"] = "private, no-cache"
        return response

    def get_queryset(self):
        return selectors.queue_tickets(user=self.request.user)

    def list(self, request, *args, **kwargs):
        # Rows from values() by queue_rows, not TicketSerializer per row (a millisecond a row);
        # the same JSON, which the schema still describes with TicketSerializer.
        tickets = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(selectors.queue_rows_values(tickets))
        return self.get_paginated_response(queue_rows(page, now=timezone.now()))


class NetworkListView(APIView):
    """The networks the desk validates, with their assets, memo rules and explorer URL templates."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiResponse(description="A list of networks.")}, auth=[])
    def get(self, request):
        return Response([network_as_dict(network) for network in NETWORKS.values()])


class ValidateIdentifierView(APIView):
    """Check a transaction hash, address or memo/tag for a network as the customer types."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        request=ValidateIdentifierSerializer,
        responses={200: OpenApiResponse(description='{"valid": bool, "message": str}'), 400: E400, 429: E429},
        auth=[],
    )
    def post(self, request):
        serializer = ValidateIdentifierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            validate_identifier(data["network"], data["field"], data["value"])
        except InvalidIdentifier as error:
            return Response({"valid": False, "message": str(error)})
        return Response({"valid": True, "message": ""})


class GuestTicketCreateView(APIView):
    """File a ticket without logging in. The answer is the same whether or not the e-mail
    address has an account; the link to the ticket goes to that address only."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [GuestIpThrottle, GuestEmailThrottle]

    @extend_schema(
        request=GuestTicketCreateSerializer,
        responses={202: OpenApiResponse(description="Accepted; a link is e-mailed."), 400: E400, 429: E429},
        auth=[],
    )
    @sensitive_variables()  # the customer's text: never in an error report's frame variables
    def post(self, request):
        serializer = GuestTicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ticket = guest.guest_ticket_create(
            email=data["email"],
            category=data["category"],
            subject=data["subject"],
            body=data["body"],
            fields=services.TicketFields(**{name: data[name] for name in services.STRUCTURED_FIELDS}),
            language=(get_language() or "en").lower(),
            is_complaint=data["is_complaint"],
            now=timezone.now(),
        )
        answer = {"detail": _("Thank you. We have e-mailed a private link to your ticket to this address.")}
        if getattr(ticket, "secret_warning", None):
            answer["secret_warning"] = ticket.secret_warning
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class GuestLinkRequestView(APIView):
    """ "My link expired": a fresh private link is e-mailed when the address and reference match
    a ticket. Always 202, so the answer reveals nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [GuestIpThrottle, GuestEmailThrottle]

    @extend_schema(
        request=GuestLinkRequestSerializer,
        responses={
            202: OpenApiResponse(description="Accepted; a link is e-mailed if they match."),
            400: E400,
            429: E429,
        },
        auth=[],
    )
    def post(self, request):
        serializer = GuestLinkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        guest.guest_link_request(now=timezone.now(), **serializer.validated_data)
        return Response(
            {"detail": _("If this reference belongs to a ticket of this address, a new link is on its way.")},
            status=status.HTTP_202_ACCEPTED,
        )


class GuestSessionView(APIView):
    """Which ticket a guest link opens (`Authorization: Guest <secret>`)."""

    permission_classes = [IsAuthenticated]
    guest_access = True

    @extend_schema(responses={200: OpenApiResponse(description='{"reference": str}'), 401: E401, 403: E403})
    def get(self, request):
        if not isinstance(request.auth, GuestAccess):
            return Response({"detail": _("This is only for guest links.")}, status=status.HTTP_403_FORBIDDEN)
        ticket = get_object_or_404(Ticket, pk=request.auth.ticket_id, requester=request.user)
        return Response({"reference": ticket.reference})
