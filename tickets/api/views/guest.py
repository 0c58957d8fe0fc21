"""The guest API (no account): filing a ticket, asking for a fresh link, and a link's ticket."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from support_desk.throttling import GuestEmailThrottle, GuestIpThrottle

from ... import guest, services
from ...guest import GuestAccess
from ...models import Ticket
from ..serializers import GuestLinkRequestSerializer, GuestTicketCreateSerializer
from ._common import E400, E401, E403, E429


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
