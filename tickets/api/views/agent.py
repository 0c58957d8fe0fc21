"""The staff-only API: the agents' ticket actions (PATCH, claim, assign, the audit trail, reveals,
macros, merge and split) and the queue of open work."""

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.roles import is_staff_member, sees_every_team
from support_desk.pagination import KeysetPagination

from ... import access_log, guest, merge, privacy, queue_version, selectors, services
from ...exceptions import TicketStale
from ...models import Message
from ..access import TicketAccessSerializer, reveal_entry
from ..filters import QueueFilter
from ..permissions import IsStaffMember
from ..queue_rows import queue_rows
from ..serializers import (
    AssignSerializer,
    EventSerializer,
    MergeRequestSerializer,
    MergeSuggestionSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    SplitRequestSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from ._common import E400, E401, E403, E404, E409, E409_STALE, E429, stale_response


# TicketViewSet's actions for staff only; they use its helpers (get_object, _require_staff, _detail).
# No class docstring: drf-spectacular would take it for every operation without its own.
class AgentTicketActions:
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
