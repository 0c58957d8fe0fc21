"""POST /api/v1/inbound/email/: a mail provider's inbound webhook (the raw MIME message).

Authenticated by a shared secret (settings.INBOUND_WEBHOOK_SECRET) in `X-Inbound-Secret` or as
the password of HTTP basic auth, compared in constant time; no secret configured: refused. The
body is the message itself (`Content-Type: message/rfc822`) or a form field `email` (the shape
of SendGrid's and Mailgun's "raw MIME" posts). 202 when taken, 200 for a mail already taken
(the same Message-ID), 400 for what is not an e-mail.
"""

import base64
import binascii
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from support_desk.throttling import PublicThrottle

from ..inbound.parse import InvalidEmail
from ..inbound.services import EmailTooLarge, inbound_email_receive
from ..models import InboundEmail


class RawEmailParser(BaseParser):
    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        raw = stream.read(settings.INBOUND_MAX_BYTES + 1)  # never more than the largest mail taken
        if len(raw) > settings.INBOUND_MAX_BYTES:
            raise ParseError(_("This e-mail is too large."))
        return raw


class InboundEmailThrottle(PublicThrottle):
    scope = "inbound_email"


def _presented_secret(request) -> str | None:
    header = request.headers.get("X-Inbound-Secret")
    if header:
        return header
    authorization = request.headers.get("Authorization", "")
    scheme, _space, value = authorization.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return None


class InboundEmailView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [InboundEmailThrottle]
    parser_classes = [RawEmailParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Receive an e-mail (a mail provider's inbound webhook)",
        request={
            "message/rfc822": OpenApiTypes.BINARY,
            "multipart/form-data": {"type": "object", "properties": {"email": {"type": "string"}}},
        },
        responses={
            202: OpenApiResponse(description="Taken: a new ticket, a reply on one, or recorded and ignored."),
            200: OpenApiResponse(description="This e-mail (its Message-ID) was taken before."),
            400: OpenApiResponse(description="Not an e-mail."),
            401: OpenApiResponse(description="No secret presented."),
            403: OpenApiResponse(description="Wrong secret, or inbound e-mail not enabled."),
            429: OpenApiResponse(description="Throttled; see the Retry-After header."),
        },
        auth=[],
    )
    def post(self, request):
        expected = settings.INBOUND_WEBHOOK_SECRET
        presented = _presented_secret(request)
        if presented is None:
            return Response(
                {"detail": _("Authentication credentials were not provided.")},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Basic realm="inbound"'},
            )
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            return Response(
                {"detail": _("You do not have permission to perform this action.")}, status=status.HTTP_403_FORBIDDEN
            )
        raw = request.data
        if not isinstance(raw, bytes):
            value = raw.get("email") if hasattr(raw, "get") else None
            if hasattr(value, "read"):
                value = value.read()
            raw = value.encode("utf-8", errors="surrogateescape") if isinstance(value, str) else value
        if not isinstance(raw, bytes) or not raw.strip():
            return Response({"email": [_("Send the raw message (message/rfc822) or a form field email.")]}, status=400)
        try:
            received = inbound_email_receive(raw, source=InboundEmail.Source.WEBHOOK, now=timezone.now())
        except EmailTooLarge:
            return Response({"email": [_("This e-mail is too large.")]}, status=400)
        except InvalidEmail:
            return Response({"email": [_("This is not an e-mail message.")]}, status=400)
        inbound = received.inbound
        return Response(
            {"status": inbound.status, "reason": inbound.reason, "duplicate": received.duplicate},
            status=status.HTTP_200_OK if received.duplicate else status.HTTP_202_ACCEPTED,
        )
