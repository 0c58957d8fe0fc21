"""The queue's version: a token in the cache that changes whenever a ticket is written, so that
an unchanged poll of `GET queue/` is answered `304 Not Modified` without reading a ticket.

One hook for the ORM (post_save / post_delete of Ticket: every service, the admin and the guest
flow save the ticket row through it) and an explicit `queue_version_bump()` where tickets are
written without the ORM's save (the SLA sweep's batch UPDATE, the policy recompute's batches).
The bump happens after the transaction commits, once per transaction: a poll that read the old
version before the commit compares its rows with the new data at the next poll.

The token is random, not a counter: a flushed cache then starts a version no old ETag holds.

The caller's role is cached here too (`role_cached`), so the unchanged poll costs only the
authentication query or queries: group changes and user saves drop the cached role.
"""

import hashlib
import secrets
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import Role, User
from accounts.roles import role_of

from .models import Team, Ticket

VERSION_KEY = "desk:queue-version"
ROLE_KEY = "desk:role:{user_id}"
ROLE_TTL_SECONDS = 300
# Time-dependent rows (due_within, the warning state) change without a write: an ETag is good for
# one bucket of this many seconds at most.
ETAG_BUCKET_SECONDS = 60


def _bump_now() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def queue_version_bump() -> None:
    """Change the queue version once the current transaction commits (at once outside one)."""
    if connection.in_atomic_block and any(entry[1] is _bump_now for entry in connection.run_on_commit):
        return  # this transaction already bumps on commit
    transaction.on_commit(_bump_now)


def queue_version_from(value: str | None) -> str:
    """The version read from the cache, or a new one when the cache has none (a flush, a restart)."""
    if value:
        return value
    fresh = secrets.token_hex(8)
    if cache.add(VERSION_KEY, fresh, timeout=None):
        return fresh
    return cache.get(VERSION_KEY) or fresh


def queue_etag(*, version: str, user_id: int, query: str, language: str, now: datetime) -> str:
    bucket = int(now.timestamp()) // ETAG_BUCKET_SECONDS
    digest = hashlib.sha256(f"{version}|{user_id}|{language}|{bucket}|{query}".encode()).hexdigest()[:32]
    return f'W/"q-{digest}"'


def role_key(user_id: int) -> str:
    return ROLE_KEY.format(user_id=user_id)


def role_cached(user: User, cached: str | None) -> Role | None:
    """Prime the user's role (accounts.roles.role_of reads `_desk_role`) from the cached value, or
    work it out and cache it."""
    if not user.is_authenticated:
        return None
    if cached in Role.values and getattr(user, "_desk_role", None) is None:
        user._desk_role = Role(cached)
        return user._desk_role
    role = role_of(user)
    cache.set(role_key(user.pk), str(role), timeout=ROLE_TTL_SECONDS)
    return role


@receiver(post_save, sender=Ticket, dispatch_uid="tickets.queue_version.ticket_saved")
@receiver(post_delete, sender=Ticket, dispatch_uid="tickets.queue_version.ticket_deleted")
def _ticket_written(sender, **kwargs) -> None:
    queue_version_bump()


@receiver(m2m_changed, sender=Team.members.through, dispatch_uid="tickets.queue_version.team_members")
def _team_members_changed(sender, **kwargs) -> None:
    # Who sees which tickets changed: every queue may differ.
    queue_version_bump()


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="tickets.queue_version.user_groups")
def _user_groups_changed(sender, instance, pk_set=None, **kwargs) -> None:
    if isinstance(instance, User):
        cache.delete(role_key(instance.pk))
    else:  # a group's members changed, seen from the group
        cache.delete_many([role_key(pk) for pk in pk_set or ()])
    queue_version_bump()


@receiver(post_save, sender=User, dispatch_uid="tickets.queue_version.user_saved")
def _user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    if not created:
        cache.delete(role_key(instance.pk))  # is_superuser or is_active may have changed
