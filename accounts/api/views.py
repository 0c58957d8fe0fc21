"""The caller's own account: profile, notification e-mail, password, sessions. Thin: a serializer
validates, one service acts (accounts.services)."""

from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import CustomerProfile
from ..roles import is_staff_member, role_of
from ..throttling import AccountMailEmailThrottle, AccountMailIpThrottle
from ..twofactor import is_enrolled
from .serializers import (
    AccountSerializer,
    AccountUpdateSerializer,
    DetailSerializer,
    EmailChangeSerializer,
    PasswordChangeSerializer,
)

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E429 = OpenApiResponse(description="Throttled; see the Retry-After header.")


def account_data(user) -> dict:
    profile = CustomerProfile.objects.filter(user=user).first()
    staff = is_staff_member(user)
    return {
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "email": user.email,
        "role": str(role_of(user)),
        "language": profile.language if profile else CustomerProfile.Language.EN,
        "time_zone": profile.time_zone if profile else "",
        "anti_phishing_code": profile.anti_phishing_code if profile else "",
        "two_factor": {"enrolled": is_enrolled(user), "required": settings.STAFF_2FA_REQUIRED} if staff else None,
    }


class AccountView(APIView):
    """`GET account/`: the caller's profile. `PATCH account/`: language, time zone and the
    anti-phishing code (the e-mail address changes through `account/email/`)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AccountSerializer, 401: E401})
    def get(self, request):
        return Response(account_data(request.user))

    @extend_schema(request=AccountUpdateSerializer, responses={200: AccountSerializer, 400: E400, 401: E401})
    def patch(self, request):
        serializer = AccountUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_profile_update(user=request.user, **serializer.validated_data)
        return Response(account_data(request.user))


class EmailChangeView(APIView):
    """Start changing the notification e-mail: a confirmation link goes to the new address (202);
    the change happens when it is opened, and the old address is then told."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [AccountMailIpThrottle, AccountMailEmailThrottle]

    @extend_schema(request=EmailChangeSerializer, responses={202: DetailSerializer, 400: E400, 401: E401, 429: E429})
    def post(self, request):
        serializer = EmailChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_email_change_request(
            user=request.user,
            new_email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
            now=timezone.now(),
        )
        detail = _("We sent a confirmation link to %(email)s. Your address changes when you open it.") % {
            "email": serializer.validated_data["email"]
        }
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordChangeView(APIView):
    """Change the password (the current one is asked). Every API token is revoked; this browser
    session stays logged in, the others do not."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: DetailSerializer, 400: E400, 401: E401})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, now=timezone.now(), **serializer.validated_data)
        if request.session.session_key:
            update_session_auth_hash(request._request, user)
        return Response({"detail": _("Your password was changed. Other sessions and API tokens were logged out.")})


class SessionsRevokeView(APIView):
    """Log out everywhere: every session (this one too) and every API token."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, 401: E401})
    def post(self, request):
        services.user_sessions_revoke(user=request.user)
        if request.session.session_key:
            django_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
