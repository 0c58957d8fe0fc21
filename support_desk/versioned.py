"""A process's copy of data that changes rarely (the SLA configuration, the webhook subscriptions),
kept in step with the other processes by a version token in the shared cache (Redis in
production).

Every change sets a new token at once (so the writing transaction reads its own change, and this
process drops its copy) and again after commit (so another process that reloaded in between,
still seeing the old rows, reloads once more). The token is random, not a counter: a flushed
cache starts a version no process holds.

A process reads the token at most once every SNAPSHOT_CHECK_SECONDS (1 s by default): a
ticket write uses the copy it holds without a cache round trip, and another process's change
reaches it within that time. The process that made the change sees it at once.
"""

import secrets
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_all: "weakref.WeakSet[VersionedSnapshot]" = weakref.WeakSet()


def _check_seconds() -> float:
    return float(getattr(settings, "SNAPSHOT_CHECK_SECONDS", 1.0))


class VersionedSnapshot(Generic[T]):
    """`load(version)` builds the data; `get()` returns this process's copy, reloaded when the
    token in the cache differs from the one it was loaded under; `bump()` after every change."""

    def __init__(self, key: str, load: Callable[[str], T]) -> None:
        self.key = key
        self._load = load
        self._lock = threading.Lock()
        self._version: str | None = None
        self._value: T | None = None
        self._checked_at = 0.0
        _all.add(self)

    def _token(self) -> str:
        version = cache.get(self.key)
        if version:
            return version
        fresh = secrets.token_hex(8)
        if cache.add(self.key, fresh, timeout=None):
            return fresh
        return cache.get(self.key) or fresh

    def get(self) -> T:
        now = time.monotonic()
        value, version = self._value, self._version
        if version is not None and now - self._checked_at < _check_seconds():
            return value  # type: ignore[return-value]
        token = self._token()
        with self._lock:
            if self._version != token:
                self._value, self._version = self._load(token), token
            self._checked_at = now
            return self._value  # type: ignore[return-value]

    def _set_new_token(self) -> None:
        cache.set(self.key, secrets.token_hex(8), timeout=None)

    def forget(self) -> None:
        """Drop this process's copy: the next get() reads the token and reloads."""
        with self._lock:
            self._value, self._version, self._checked_at = None, None, 0.0

    def reload_on_change(self, *models: type) -> None:
        """Bump whenever a row of one of `models` is saved or deleted anywhere (a service, the
        admin, a shell, a migration's model). Called from the owning app's ready()."""
        for model in models:
            uid = f"{self.key}.{model._meta.label}"
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{uid}.saved")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{uid}.deleted")

    def _changed(self, **_kwargs) -> None:
        self.bump()

    def bump(self) -> None:
        """Every process reloads on its next check: this one at once, the others within
        SNAPSHOT_CHECK_SECONDS; the token changes now and again after commit."""
        self.forget()
        self._set_new_token()
        transaction.on_commit(self._set_new_token)


def forget_all() -> None:
    """Every snapshot of this process reloads on its next use (a test that cleared the cache)."""
    for snapshot in list(_all):
        snapshot.forget()
