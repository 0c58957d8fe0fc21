"""Limits on the account mails: per client IP, and per target address (so nobody floods one inbox
with reset or confirmation links). They work on Django requests too (the password reset form)."""

import hashlib
from collections.abc import Mapping

from support_desk.throttling import DeskRateThrottle, PublicThrottle


class AccountMailIpThrottle(PublicThrottle):
    scope = "account_mail_ip"


class AccountMailEmailThrottle(DeskRateThrottle):
    scope = "account_mail_email"

    def get_cache_key(self, request, view) -> str | None:
        data = request.data if hasattr(request, "data") else request.POST
        # A body that is not an object (a JSON list) has no address: the view answers its 400.
        email = str(data.get("email", "")).strip().lower() if isinstance(data, Mapping) else ""
        if not email:
            return None
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
