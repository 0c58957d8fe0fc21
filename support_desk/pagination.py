"""Pagination: page numbers for small lists, a keyset cursor for the queue.

The keyset cursor filters on the last row's sort key instead of skipping rows, so page
100 costs what page 1 costs, and tickets arriving meanwhile never shift a page.
"""

import base64
import json
from datetime import datetime
from typing import Any

from django.db.models import F, Field, Func, QuerySet, Value
from django.db.models.lookups import GreaterThan
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class RowValue(Func):
    template = "(%(expressions)s)"
    arg_joiner = ", "
    output_field = Field()


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination over an ascending, unique composite sort key (the last field must be unique)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 25
    max_page_size = 100
    # Ascending, never NULL (coalesce NULLs in an annotation), the last one unique.
    ordering: tuple[str, ...] = ("id",)

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    @staticmethod
    def _encode(values: list[Any]) -> str:
        plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
        return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")

    def _decode(self, cursor: str) -> list[Any]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(values, list) or len(values) != len(self.ordering):
                raise ValueError
        except ValueError as error:
            raise NotFound(_("Invalid cursor.")) from error
        decoded = []
        for value in values:
            if isinstance(value, str) and (parsed := parse_datetime(value)) is not None:
                value = parsed
            decoded.append(value)
        return decoded

    def _after(self, values: list[Any]) -> GreaterThan:
        """Rows after the cursor: one row-value comparison, (a, b, c) > (x, y, z), which both
        PostgreSQL and SQLite answer with a range scan of an index on (a, b, c)."""
        return GreaterThan(RowValue(*[F(field) for field in self.ordering]), RowValue(*[Value(v) for v in values]))

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        size = self._page_size(request)
        queryset = queryset.order_by(*self.ordering)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = queryset.filter(self._after(self._decode(cursor)))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.next_cursor = (
            self._encode([getattr(rows[-1], field) for field in self.ordering]) if self.has_next else None
        )
        return rows

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "string"},
                "description": "The `next` link's cursor.",
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
