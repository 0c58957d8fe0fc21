"""Throttles for what can be abused; `API_THROTTLE=off` turns them all off.

The counters live in the shared cache (Redis). When Redis does not answer they move to this
process's memory instead of switching off: limits get per-process, never absent. `/readyz`
says which store is in use.

The window is DRF's (SimpleRateThrottle: the times of the requests let through in the last
`duration` seconds). On Redis it is a sorted set, trimmed, counted and added to by one script:
one round trip per request, and atomic, so that parallel requests cannot all read the same
count and all pass (DRF's get-then-set lets a burst of N parallel requests through a limit of 1).
"""

import hashlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from redis.commands.core import Script
from rest_framework.throttling import SimpleRateThrottle

from .client_ip import client_ip

logger = logging.getLogger(__name__)

# After Redis failed, the local store is used this long before Redis is tried again, so an
# outage costs one failed connection per interval, not one per request.
RETRY_SECONDS = 5.0

# KEYS[1]: the window's sorted set. ARGV: now, duration (s), limit, a member unique to this request.
# Returns {1 if let through, the requests in the window, the oldest one's time}.
_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
    count = count + 1
    allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {allowed, count, oldest[2] or ARGV[1]}
"""
# A member per request: two requests in the same microsecond are two entries.
_members = itertools.count()


class ResilientStore:
    """get/set for the throttles: the `throttle` cache while it answers, else local memory."""

    def __init__(self, alias: str = "throttle") -> None:
        self.alias = alias
        self.local = LocMemCache("desk-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self.failed_at: float | None = None
        self._hit_script: Script | None = None
        self._lock = threading.Lock()  # gthread: one process's threads share the local window

    @property
    def degraded(self) -> bool:
        return self.failed_at is not None

    def describe(self) -> str:
        backend = settings.CACHES.get(self.alias, settings.CACHES["default"])["BACKEND"]
        if "redis" not in backend.lower():
            return "local memory"
        return "local memory (Redis unavailable)" if self.degraded else "redis"

    def _shared(self):
        return caches[self.alias] if self.alias in settings.CACHES else caches["default"]

    def _call(self, method: str, *args: Any) -> Any:
        if self.failed_at is not None and time.monotonic() - self.failed_at < RETRY_SECONDS:
            return getattr(self.local, method)(*args)
        try:
            result = getattr(self._shared(), method)(*args)
        except Exception as error:  # noqa: BLE001 - any cache failure: keep limiting, locally
            if self.failed_at is None:
                logger.warning("Throttle store unavailable (%s); limiting in local memory", type(error).__name__)
            self.failed_at = time.monotonic()
            return getattr(self.local, method)(*args)
        if self.failed_at is not None:
            logger.info("Throttle store is back")
            self.failed_at = None
        return result

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._call("set", key, value, timeout)

    def hit(self, key: str, *, now: float, duration: int, limit: int) -> tuple[bool, int, float]:
        """Count one request in `key`'s window of `duration` seconds, unless `limit` requests are
        in it already: (let through, requests in the window, the oldest one's time)."""
        shared = self._shared()
        if isinstance(shared, RedisCache) and not (
            self.failed_at is not None and time.monotonic() - self.failed_at < RETRY_SECONDS
        ):
            try:
                client = shared.client.get_client(write=True)
                allowed, count, oldest = self._script(client)(
                    keys=[shared.make_key(f"window:{key}")],
                    args=[repr(now), duration, limit, f"{now!r}:{os.getpid()}:{next(_members)}"],
                    client=client,
                )
            except Exception as error:  # noqa: BLE001 - as _call: keep limiting, locally
                if self.failed_at is None:
                    logger.warning("Throttle store unavailable (%s); limiting in local memory", type(error).__name__)
                self.failed_at = time.monotonic()
            else:
                if self.failed_at is not None:
                    logger.info("Throttle store is back")
                    self.failed_at = None
                return bool(allowed), int(count), float(oldest)
        with self._lock:  # the same window as a list of times, by get and set (DRF's own way)
            history = [t for t in self.get(key, []) if t > now - duration]
            allowed = len(history) < limit
            if allowed:
                history.insert(0, now)
                self.set(key, history, duration)
            return allowed, len(history), history[-1] if history else now

    def _script(self, client) -> Script:
        if self._hit_script is None:
            self._hit_script = client.register_script(_HIT)
        return self._hit_script

    def clear(self) -> None:
        self.local.clear()
        self.failed_at = None


store = ResilientStore()


class DeskRateThrottle(SimpleRateThrottle):
    """Per user when logged in, per client IP otherwise, for one named scope."""

    scope = ""
    cache = store

    def __init__(self) -> None:
        if settings.API_THROTTLE_ENABLED:
            super().__init__()

    def allow_request(self, request, view) -> bool:
        if not settings.API_THROTTLE_ENABLED or self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        allowed, self.in_window, self.oldest = self.cache.hit(
            self.key, now=self.now, duration=self.duration, limit=self.num_requests
        )
        return allowed

    def wait(self) -> float | None:
        """DRF's: the time until the oldest request leaves the window, shared among the requests
        still allowed in it."""
        available = self.num_requests - self.in_window + 1
        if available <= 0:
            return None
        return (self.duration - (self.now - self.oldest)) / float(available)

    def get_ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TicketCreateThrottle(DeskRateThrottle):
    scope = "ticket_create"


class MessageCreateThrottle(DeskRateThrottle):
    scope = "message_create"


class UploadThrottle(DeskRateThrottle):
    scope = "upload"


class PresenceThrottle(DeskRateThrottle):
    scope = "presence"


class RevealThrottle(DeskRateThrottle):
    """Reveals of a customer's personal data (tickets.privacy), per staff member: enough for a
    working day, too few to copy a customer base one reveal at a time."""

    scope = "reveal"


class MergeSplitThrottle(DeskRateThrottle):
    """Merges and splits (tickets.merge), per staff member: each closes a ticket or opens one and
    mails the customer, so a runaway script is stopped long before a working day's need."""

    scope = "merge_split"


class PublicThrottle(DeskRateThrottle):
    """Public helpers (identifier checks, contact checks, votes): per IP."""

    scope = "public"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(PublicThrottle):
    """Every login (token, portal, admin): per client IP, whoever it claims to be. Guessing one
    account is stopped sooner, per account and client, by django-axes."""

    scope = "auth"


class GuestIpThrottle(PublicThrottle):
    scope = "guest_ip"


class EmailThrottle(DeskRateThrottle):
    """Per target e-mail address (the body's `email`, hashed), so nobody floods one inbox with
    links; no address, no limit here (the view answers its 400)."""

    def request_data(self, request):
        return getattr(request, "data", None)

    def get_cache_key(self, request, view) -> str | None:
        data = self.request_data(request)
        # A body that is not an object (a JSON list) has no address.
        email = str(data.get("email", "")).strip().lower() if isinstance(data, Mapping) else ""
        if not email:
            return None
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class GuestEmailThrottle(EmailThrottle):
    """Per target e-mail address, so nobody floods one inbox with ticket links."""

    scope = "guest_email"


class EmergencyIpThrottle(PublicThrottle):
    """The no-login "my account is compromised" path: per client IP."""

    scope = "emergency_ip"


class EmergencyEmailThrottle(GuestEmailThrottle):
    """The same, per target address: nobody floods one account with freeze requests."""

    scope = "emergency_email"
