"""Pagination: page numbers for small lists, a keyset cursor for the queue.

The keyset cursor filters on the last row's sort key instead of skipping rows, so page
100 costs what page 1 costs, and tickets arriving meanwhile never shift a page.

Bad input is a 400 naming the parameter: a `page` that is not a whole number from 1, a `cursor`
this API did not make (or whose values do not fit the sort key's columns). A page past the last
one is a 404, as in DRF.
"""

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Field, Func, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

# Longer than any page number a list of this desk can have; shorter than what overflows anything.
MAX_PAGE_DIGITS = 9


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator) -> str | int:
        number = super().get_page_number(request, paginator)
        if isinstance(number, int):  # the default (1) or `last`
            return number
        text = number.strip()
        if not text.isascii() or not text.isdigit() or len(text) > MAX_PAGE_DIGITS or int(text) < 1:
            raise ValidationError({self.page_query_param: [_("Use a whole number from 1, or `last`.")]})
        return int(text)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 10**MAX_PAGE_DIGITS - 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class RowValue(Func):
    template = "(%(expressions)s)"
    arg_joiner = ", "
    output_field = Field()


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination over a unique composite sort key (the last field must be unique),
    ascending, or descending with `descending = True` (newest first)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 25
    max_page_size = 100
    # Ascending, never NULL (coalesce NULLs in an annotation), the last one unique.
    ordering: tuple[str, ...] = ("id",)
    descending = False

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

    @staticmethod
    def _invalid_cursor() -> ValidationError:
        return ValidationError({"cursor": [_("Invalid cursor: use the `next` link of the previous page.")]})

    def _sort_fields(self, queryset: QuerySet) -> list[Field]:
        fields = []
        for name in self.ordering:
            try:
                fields.append(queryset.model._meta.get_field(name))
            except FieldDoesNotExist:
                fields.append(queryset.query.annotations[name].output_field)
        return fields

    def _decode(self, cursor: str, fields: list[Field]) -> list[Any]:
        """The cursor's values, each made a value of its sort column (or a 400): a cursor is
        client input, and a string compared with a timestamp column or an integer past bigint
        is a database error, not an empty page."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if not isinstance(values, list) or len(values) != len(fields):
                raise ValueError
            decoded = []
            for field, value in zip(fields, values, strict=True):
                if value is None or isinstance(value, bool | dict | list):
                    raise ValueError
                value = field.to_python(value)
                field.run_validators(value)
                if isinstance(value, datetime):
                    # In UTC, as the database compares it; a time that has none (year 0) is an OverflowError.
                    value = (value.replace(tzinfo=UTC) if timezone.is_naive(value) else value).astimezone(UTC)
                decoded.append(value)
        except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error, DjangoValidationError) as error:
            raise self._invalid_cursor() from error
        return decoded

    def _after(self, values: list[Any]) -> GreaterThan | LessThan:
        """Rows after the cursor: one row-value comparison, (a, b, c) > (x, y, z) (< when
        descending), which both PostgreSQL and SQLite answer with a range scan of an index on
        (a, b, c)."""
        compare = LessThan if self.descending else GreaterThan
        return compare(RowValue(*[F(field) for field in self.ordering]), RowValue(*[Value(v) for v in values]))

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        size = self._page_size(request)
        queryset = queryset.order_by(*(f"-{field}" if self.descending else field for field in self.ordering))
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = queryset.filter(self._after(self._decode(cursor, self._sort_fields(queryset))))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.next_cursor = self._encode(self._sort_key(rows[-1])) if self.has_next else None
        return rows

    def _sort_key(self, row: Any) -> list[Any]:
        # A model instance, or a dict from values() (the queue builds its rows from those).
        if isinstance(row, dict):
            return [row[field] for field in self.ordering]
        return [getattr(row, field) for field in self.ordering]

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
