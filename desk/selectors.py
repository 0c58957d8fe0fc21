"""Reads of saved queue views, and the views' ticket counts.

A count never grows with the table: each one counts at most COUNT_CAP + 1 rows of the queue's own
query (a LIMIT in a subquery, so the queue's indexes end the scan early), exact up to COUNT_CAP
and "999+" beyond. All the counts asked for are one SQL statement, and they are cached for a few
seconds under the queue version (tickets.queue_version), which every ticket write changes.
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.roles import sees_every_team
from tickets import queue_version, selectors
from tickets.selectors import team_ids_of

from .models import SavedView
from .services import queue_filterset

COUNT_CAP = 999
COUNT_CACHE_SECONDS = 20
MAX_COUNTED_VIEWS = 100

# The queue page's built-in views (desk/static/desk/queue.js VIEWS): key → queue filters.
BUILTIN_VIEWS: dict[str, dict[str, str]] = {
    "": {},
    "mine": {"assignee": "me"},
    "unassigned": {"assignee": "none"},
    "breached": {"breached": "true"},
    "due1h": {"due_within": "60"},
}


def saved_views_visible_to(user: User) -> QuerySet[SavedView]:
    """The caller's personal views and their teams' views (leads and admins: every team's)."""
    views = SavedView.objects.select_related("team", "created_by", "updated_by")
    mine = Q(owner_id=user.pk)
    if sees_every_team(user):
        return views.filter(mine | Q(team__isnull=False))
    return views.filter(mine | Q(team_id__in=team_ids_of(user)))


@dataclass(frozen=True)
class ViewCount:
    count: int | None  # None: the view's filters no longer apply (e.g. its team was deleted)
    capped: bool

    @property
    def display(self) -> str:
        if self.count is None:
            return ""
        return f"{COUNT_CAP}+" if self.capped else str(self.count)

    def as_dict(self) -> dict:
        return {"count": self.count, "capped": self.capped, "display": self.display}


def _bounded_sql(*, filters: dict[str, str], user: User) -> tuple[str, tuple] | None:
    filterset = queue_filterset(filters=filters, user=user, queryset=selectors.queue_tickets(user=user))
    try:
        if not filterset.is_valid():
            return None
        tickets = filterset.qs
    except ValidationError:
        return None
    bounded = tickets.order_by().values("pk")[: COUNT_CAP + 1]
    return bounded.query.get_compiler(using=bounded.db).as_sql()


def _digest(filters: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:32]


def view_counts(*, user: User, views: dict[str, dict[str, str]]) -> dict[str, ViewCount]:
    """Counts of the queue under each set of filters (key → filters), in one statement."""
    version = queue_version.queue_version_from(cache.get(queue_version.VERSION_KEY))
    keys = {key: f"desk:view-count:{version}:{user.pk}:{_digest(filters)}" for key, filters in views.items()}
    cached = cache.get_many(list(keys.values()))
    counts: dict[str, ViewCount] = {}
    pending: list[tuple[str, str, tuple]] = []
    for key, filters in views.items():
        if keys[key] in cached:
            counts[key] = ViewCount(*cached[keys[key]])
            continue
        compiled = _bounded_sql(filters=filters, user=user)
        if compiled is None:
            counts[key] = ViewCount(None, False)
        else:
            pending.append((key, *compiled))
    if pending:
        columns = ", ".join(f"(SELECT COUNT(*) FROM ({sql}) bounded_{i})" for i, (_key, sql, _p) in enumerate(pending))
        params = tuple(param for _key, _sql, view_params in pending for param in view_params)
        with connection.cursor() as cursor:
            # Each subquery is SQL Django compiled, with its values as parameters.
            cursor.execute(f"SELECT {columns}", params)
            row = cursor.fetchone()
        fresh = {}
        for (key, _sql, _params), raw in zip(pending, row, strict=True):
            count = ViewCount(min(raw, COUNT_CAP), raw > COUNT_CAP)
            counts[key] = count
            fresh[keys[key]] = (count.count, count.capped)
        cache.set_many(fresh, timeout=COUNT_CACHE_SECONDS)
    return counts
