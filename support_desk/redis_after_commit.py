"""Cache writes a transaction makes once it commits, sent to Redis together: one round trip.

After a ticket is written, its transaction's commit is followed by a change of the queue's version
(tickets.queue_version) and, for a new outbox row, the coalesced relay's key (notifications'
relay_new). Each was a command and a round trip of its own on every ticket creation. Queued here,
the commands of one commit go out in one pipeline, and each caller gets its own command's answer.

    after_commit(cache_set(KEY, value, nx=True, timeout=30), reply=..., fallback=..., once=KEY)

The first of a commit's hooks to run sends every command whose hook is still registered (a
savepoint rolled back drops its hooks, and with them its commands) and the others find theirs done.
When Redis fails, each caller's `fallback` runs instead of its `reply`. Values and keys are encoded
as django-redis does (its key prefix and version, its serializer), so `cache.get` reads them back.
Where the default cache is not django-redis (the embedded SQLite set-up, the tests' local memory),
`available()` is false and callers use the cache API as before.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction


def available() -> bool:
    return settings.CACHES["default"]["BACKEND"].startswith("django_redis")


@dataclass(frozen=True)
class CacheSet:
    """SET key value [NX] [PX timeout], as django-redis's `cache.set` / `cache.add` send it."""

    key: str
    value: Any
    nx: bool = False
    timeout: float | None = None

    def queue(self, pipeline: Any) -> None:
        client = cache.client  # django-redis's client: its key function and serializer
        timeout_ms = None if self.timeout is None else int(self.timeout * 1000)
        pipeline.set(client.make_key(self.key), client.encode(self.value), nx=self.nx, px=timeout_ms)


def cache_set(key: str, value: Any, *, nx: bool = False, timeout: float | None = None) -> CacheSet:
    return CacheSet(key=key, value=value, nx=nx, timeout=timeout)


@dataclass(eq=False)
class _Hook:
    command: CacheSet
    reply: Callable[[Any], None]
    fallback: Callable[[Exception], None]
    once: str | None = None
    done: bool = field(default=False, init=False)

    def __call__(self) -> None:
        if self.done:
            return  # sent with an earlier hook of the same commit
        batch = [self, *(hook for hook in _registered_hooks() if hook is not self)]
        for hook in batch:
            hook.done = True
        try:
            pipeline = cache.client.get_client(write=True).pipeline(transaction=False)
            for hook in batch:
                hook.command.queue(pipeline)
            replies = pipeline.execute()
        except Exception as error:  # noqa: BLE001 - Redis down: each caller has its own way round
            for hook in batch:
                hook.fallback(error)
            return
        for hook, answer in zip(batch, replies, strict=True):
            hook.reply(answer)


def _registered_hooks() -> list[_Hook]:
    """This connection's hooks of ours still waiting for the commit (Django drops those of a
    rolled-back savepoint from `run_on_commit`, and pops each hook before running it)."""
    return [func for _sids, func, _robust in connection.run_on_commit if isinstance(func, _Hook) and not func.done]


def after_commit(
    command: CacheSet,
    *,
    reply: Callable[[Any], None] = lambda answer: None,
    fallback: Callable[[Exception], None],
    once: str | None = None,
) -> None:
    """Send `command` once the current transaction commits (at once outside one), with the other
    commands of that commit. `once`: a name; a second command under the same name in the same
    transaction is dropped (the first one's answer serves both)."""
    if once is not None and connection.in_atomic_block and any(hook.once == once for hook in _registered_hooks()):
        return
    transaction.on_commit(_Hook(command=command, reply=reply, fallback=fallback, once=once))
