"""Throttles for what can be abused; `API_THROTTLE=off` turns them all off."""

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class DeskRateThrottle(SimpleRateThrottle):
    """Per user when logged in, per client IP otherwise, for one named scope."""

    scope = ""

    def __init__(self) -> None:
        if settings.API_THROTTLE_ENABLED:
            super().__init__()

    def allow_request(self, request, view) -> bool:
        if not settings.API_THROTTLE_ENABLED:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TicketCreateThrottle(DeskRateThrottle):
    scope = "ticket_create"


class MessageCreateThrottle(DeskRateThrottle):
    scope = "message_create"


class UploadThrottle(DeskRateThrottle):
    scope = "upload"


class AuthThrottle(DeskRateThrottle):
    scope = "auth"


class PublicThrottle(DeskRateThrottle):
    """Public helpers (identifier checks, contact checks, votes): per IP."""

    scope = "public"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class GuestIpThrottle(PublicThrottle):
    scope = "guest_ip"


class GuestEmailThrottle(DeskRateThrottle):
    """Per target e-mail address, so nobody floods one inbox with ticket links."""

    scope = "guest_email"

    def get_cache_key(self, request, view) -> str | None:
        email = str(request.data.get("email", "")).strip().lower() if hasattr(request, "data") else ""
        if not email:
            return None
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
