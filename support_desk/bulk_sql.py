"""Set-based writes of many rows in one statement, for the bulk paths (the SLA sweep, the audit
writer's record_many): PostgreSQL reads each column as one array literal through unnest(), where
Django's bulk_create and bulk_update build SQL per row; other databases use those."""

import json
from dataclasses import asdict
from datetime import datetime

from django.db import connection


def update_rows(model, rows: list, fields: list[str]) -> None:
    """Write these fields of many rows. On PostgreSQL one UPDATE … FROM unnest(arrays): Django's
    bulk_update builds a CASE branch per row, whose cost grows with the batch on both sides."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        attnames = [model._meta.get_field(name).attname for name in fields]
        instances = [model(pk=row.pk, **{name: getattr(row, name) for name in attnames}) for row in rows]
        model.objects.bulk_update(instances, fields, batch_size=500)
        return
    arrays, casts, selects, names = column_arrays(model, rows, fields)
    aliases = ", ".join(f"c{index}" for index in range(len(fields)))
    sql = (
        f'UPDATE "{model._meta.db_table}" AS t SET {", ".join(f"{name} = s.c{i}" for i, name in enumerate(names))} '
        f"FROM (SELECT v.id, {', '.join(f'{select} AS c{i}' for i, select in enumerate(selects))} "
        f"FROM unnest(%s::bigint[], {', '.join(f'%s::{cast}' for cast in casts)}) AS v(id, {aliases})) AS s "
        "WHERE t.id = s.id"
    )
    arrays = [array_literal([row.pk for row in rows], "number"), *arrays]
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)


# How array_literal writes a column's values, by model field type; any other field goes through
# get_db_prep_save and is written as quoted text (the cast to the column's array type reads it).
# Per-value get_db_prep_save would cost more than the whole statement for thousands of rows.
LITERAL_KINDS = {
    "AutoField": "number",
    "BigAutoField": "number",
    "BigIntegerField": "number",
    "IntegerField": "number",
    "PositiveIntegerField": "number",
    "PositiveSmallIntegerField": "number",
    "SmallIntegerField": "number",
    "BooleanField": "bool",
    "DateTimeField": "datetime",
    "CharField": "text",
    "TextField": "text",
}


def column_arrays(model, rows: list, fields: list[str]) -> tuple[list, list[str], list[str], list[str]]:
    """Per column: the values of every row as one array literal, its SQL array type, and how to read it."""
    arrays, casts, selects, names = [], [], [], []
    for index, name in enumerate(fields):
        column = model._meta.get_field(name)
        db_type = column.db_type(connection)
        raw = [getattr(row, column.attname) for row in rows]
        if db_type == "jsonb":
            arrays.append(array_literal([None if value is None else json.dumps(value) for value in raw], "text"))
            casts.append("text[]")
            selects.append(f"v.c{index}::jsonb")
        else:
            # A foreign key is written as its target's type (an integer, or e.g. a UUID as text).
            target = column.target_field if column.is_relation else column
            kind = LITERAL_KINDS.get(target.get_internal_type())
            values = raw if kind else [column.get_db_prep_save(value, connection) for value in raw]
            arrays.append(array_literal(values, kind or "text"))
            casts.append(f"{db_type}[]")
            selects.append(f"v.c{index}")
        names.append(f'"{column.column}"')
    return arrays, casts, selects, names


def array_literal(values: list, kind: str) -> str:
    """A PostgreSQL array literal ('{"a",NULL,"b"}'), read by the server's array input: sending a
    Python list makes psycopg2 write ARRAY[…] with one quoted, cast expression per element, which
    costs both sides several times more for thousands of values. `kind` comes from the column
    (LITERAL_KINDS): "number" and "datetime" values need no quotes, "bool" is t/f, "text" is
    quoted and escaped."""
    if kind == "number":
        elements = ("NULL" if value is None else str(int(value)) for value in values)
    elif kind == "bool":
        elements = ("NULL" if value is None else "t" if value else "f" for value in values)
    elif kind == "datetime":
        # A batch's timestamps are mostly the sweep's own `now`: format each distinct one once.
        # ISO 8601 holds no character the array syntax would need quoted.
        texts: dict[datetime, str] = {}
        elements = (
            "NULL" if value is None else texts.get(value) or texts.setdefault(value, value.isoformat())
            for value in values
        )
    else:
        elements = (
            "NULL" if value is None else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
    return "{" + ",".join(elements) + "}"


def insert_rows(model, rows: list, fields: list[str]) -> None:
    """INSERT … SELECT FROM unnest(arrays) on PostgreSQL: one statement, no per-row SQL building."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        instances = [row if isinstance(row, model) else model(**asdict(row)) for row in rows]
        model.objects.bulk_create(instances, batch_size=1000)
        return
    arrays, casts, selects, names = column_arrays(model, rows, fields)
    aliases = ", ".join(f"c{index}" for index in range(len(fields)))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(names)}) '
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(f'%s::{cast}' for cast in casts)}) AS v({aliases})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
