"""Who else is on a ticket right now (the desk's collision detection): short-lived entries in the
cache, never in the database.

Each agent's workspace sends a heartbeat every few seconds with its state (viewing or typing);
an entry not renewed within PRESENCE_TTL_SECONDS is gone, so a closed laptop disappears by
itself. One cache key per ticket holds every agent's entry: a heartbeat is one read and one
write. Two heartbeats at the same instant may lose one agent's new entry for one beat (the cache
API has no atomic map update); the next beat puts it back, so the page is at most one beat late.
Works on any Django cache (Redis in production, local memory in development and tests).
"""

from datetime import UTC, datetime
from typing import Any, Literal

from django.core.cache import cache

from accounts.models import User

from .models import Ticket

PRESENCE_TTL_SECONDS = 15
PRESENCE_HEARTBEAT_SECONDS = 4
STATES = ("viewing", "typing")
MAX_ENTRIES = 50  # more agents on one ticket than this is no longer a collision to show

State = Literal["viewing", "typing", "left"]


def _key(ticket_id: int) -> str:
    return f"desk:presence:{ticket_id}"


def _live(entries: Any, now: datetime) -> dict[str, dict[str, Any]]:
    if not isinstance(entries, dict):
        return {}
    cutoff = now.timestamp() - PRESENCE_TTL_SECONDS
    return {uid: entry for uid, entry in entries.items() if isinstance(entry, dict) and entry.get("seen", 0) > cutoff}


def presence_beat(*, ticket: Ticket, user: User, state: State, now: datetime) -> list[dict[str, Any]]:
    """Record the user's state on the ticket (or remove them: `left`) and answer the others
    present, longest there first: [{id, name, state, since}]."""
    key = _key(ticket.pk)
    entries = _live(cache.get(key), now)
    uid = str(user.pk)
    if state == "left":
        entries.pop(uid, None)
    else:
        previous = entries.get(uid)
        since = previous["since"] if previous and previous.get("state") == state else now.timestamp()
        entries[uid] = {
            "name": user.get_full_name() or user.username,
            "state": state,
            "since": since,
            "seen": now.timestamp(),
        }
        if len(entries) > MAX_ENTRIES:
            newest = sorted(entries.items(), key=lambda item: item[1]["seen"], reverse=True)[:MAX_ENTRIES]
            entries = dict(newest)
    if entries:
        cache.set(key, entries, timeout=PRESENCE_TTL_SECONDS)
    else:
        cache.delete(key)
    return others_present(entries, user=user)


def others_present(entries: dict[str, dict[str, Any]], *, user: User) -> list[dict[str, Any]]:
    others = [
        {
            "id": int(uid),
            "name": entry["name"],
            "state": entry["state"],
            "since": datetime.fromtimestamp(entry["since"], tz=UTC),
        }
        for uid, entry in entries.items()
        if uid != str(user.pk)
    ]
    return sorted(others, key=lambda other: (other["since"], other["id"]))
