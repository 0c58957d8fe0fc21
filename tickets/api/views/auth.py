"""Logging in and out of the API: a token for a username and password, and its revocation."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth import logout as django_logout
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import lockout_response
from accounts.tokens import token_issue, token_revoke
from accounts.twofactor import otp_verify_for_token
from support_desk.throttling import AuthThrottle

from ..serializers import TokenRequestSerializer, TokenSerializer
from ._common import E400, E401, E429


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
