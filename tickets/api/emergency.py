"""The emergency path's endpoints: "my account is compromised", logged in and without a login."""

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_staff_member
from support_desk.serializers import StrictSerializer
from support_desk.throttling import EmergencyEmailThrottle, EmergencyIpThrottle, TicketCreateThrottle

from ..emergency import account_compromise_report

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E429 = OpenApiResponse(description="Throttled; see the Retry-After header.")


class AccountCompromiseSerializer(StrictSerializer):
    details = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class GuestAccountCompromiseSerializer(AccountCompromiseSerializer):
    email = serializers.EmailField(max_length=254)


def next_steps() -> list[str]:
    """What the customer should do now, in their language (the page shows these, the e-mail too)."""
    return [
        _("Change the password of your e-mail account, then of your exchange account, from a device you trust."),
        _(
            "Do not share any code, password, seed phrase or private key with anyone, even someone who says they "
            "are support."
        ),
        _("Do not install remote-access apps (AnyDesk, TeamViewer) because someone asks you to."),
        _("Reply on your ticket with what happened, when, and any transaction or address you do not recognise."),
    ]


def _language(request) -> str:
    profile = getattr(request.user, "customer_profile", None)
    return profile.language if profile else (get_language() or "en").lower()


class AccountCompromiseView(APIView):
    """A logged-in customer: an urgent security ticket and a verified freeze request, at once."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [TicketCreateThrottle]

    @extend_schema(
        request=AccountCompromiseSerializer,
        responses={
            201: OpenApiResponse(description="{reference, identity_verified, detail, next_steps}"),
            400: E400,
            403: OpenApiResponse(description="Staff accounts report through the desk."),
            429: E429,
        },
    )
    @sensitive_variables()  # the customer's text
    def post(self, request):
        if is_staff_member(request.user):
            self.permission_denied(request, _("Staff accounts report a compromise to the security team directly."))
        serializer = AccountCompromiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = account_compromise_report(
            customer=request.user,
            details=serializer.validated_data["details"],
            language=_language(request),
            now=timezone.now(),
        )
        answer = {
            "reference": ticket.reference,
            "identity_verified": True,
            "detail": _(
                "Our security team has your report as urgent, and we asked the exchange to freeze your account now."
            ),
            "next_steps": next_steps(),
        }
        if getattr(ticket, "secret_warning", None):
            answer["secret_warning"] = ticket.secret_warning
        return Response(answer, status=status.HTTP_201_CREATED)


class GuestAccountCompromiseView(APIView):
    """Without a login: the same report for an e-mail address. The answer is the same whether or
    not the address has an account; the freeze request counts as verified only when the private
    link e-mailed to that address is opened."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [EmergencyIpThrottle, EmergencyEmailThrottle]

    @extend_schema(
        request=GuestAccountCompromiseSerializer,
        responses={
            202: OpenApiResponse(description="{identity_verified: false, detail, next_steps}"),
            400: E400,
            429: E429,
        },
        auth=[],
    )
    @sensitive_variables()  # the customer's text
    def post(self, request):
        serializer = GuestAccountCompromiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = account_compromise_report(
            customer=None,
            email=serializer.validated_data["email"],
            details=serializer.validated_data["details"],
            language=(get_language() or "en").lower(),
            now=timezone.now(),
        )
        answer = {
            "identity_verified": False,
            "detail": _(
                "Our security team has your report as urgent, and we asked the exchange to put the account on hold. "
                "We e-mailed a private link to this address: open it to confirm that this was you."
            ),
            "next_steps": next_steps(),
        }
        if getattr(ticket, "secret_warning", None):
            answer["secret_warning"] = ticket.secret_warning
        return Response(answer, status=status.HTTP_202_ACCEPTED)
