"""Read statements the ORM builds and compiles once per database and process, then runs with each
call's values: for the few SELECTs every request of a hot path makes (the token lookup, the
duplicate check of a new ticket).

Building a QuerySet (filter, exclude, order_by, slicing: each clones the query) and compiling it
cost more of a ticket creation's CPU in the web process than running the statement. Here the
query is the ORM's own, built once from placeholder values; each placeholder's slot in the
parameters is found by value, and a call puts its own values in those slots. The rows become
instances as the ORM's iterator makes them: the compiler's converters, then `from_db` per model.

Only data is kept, never the compiler: it holds the connection of the thread that compiled it,
and the statement is run by any thread (gunicorn's gthread workers)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet

from .compiled_insert import apply_converters

# Placeholder values, one per slot: values no real parameter equals. An integer slot gets a
# distinct negative number far below any primary key.
_TEXT = "\x00slot:{}\x00"
_INTEGER_BASE = -(2**62)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    slots: dict[str, tuple[int, ...]]  # slot -> its positions in params
    converters: list
    # Per model of the result (the query's model, then select_related's, depth first): its
    # class, the row positions of its columns and their attribute names.
    models: tuple[tuple[type[Model], tuple[int, ...], tuple[str, ...]], ...]
    annotations: dict[str, int]  # annotation name -> row position


@dataclass(frozen=True)
class Row:
    """One result row: the instances (in `_Statement.models` order) and the annotations."""

    instances: tuple[Model | None, ...]
    annotations: dict[str, Any]


def _flatten(klass_info: dict) -> list[dict]:
    infos = [klass_info]
    for related in klass_info.get("related_klass_infos", ()):
        infos.extend(_flatten(related))
    return infos


class CompiledQuery:
    """`build(**placeholders)` returns the QuerySet; `slots` names its parameters and their type
    (`str` or `int`). `first(**values)` runs it with those values and reads one row (slice the
    query to one row)."""

    def __init__(self, build: Callable[..., QuerySet], **slots: type) -> None:
        unknown = [name for name, kind in slots.items() if kind not in (str, int)]
        if unknown:
            raise TypeError(f"slots must be str or int: {unknown}")
        self.build = build
        self.slots = slots
        self._compiled: dict[str, _Statement] = {}
        self._query_model: type[Model] | None = None

    def _placeholders(self) -> dict[str, Any]:
        return {
            name: _TEXT.format(name) if kind is str else _INTEGER_BASE - index
            for index, (name, kind) in enumerate(self.slots.items())
        }

    def statement(self, alias: str) -> _Statement:
        if alias in self._compiled:
            return self._compiled[alias]
        placeholders = self._placeholders()
        compiler = self.build(**placeholders).query.get_compiler(alias)
        sql, params = compiler.as_sql()
        params = tuple(params)
        slots = {}
        for name, placeholder in placeholders.items():
            positions = tuple(
                i for i, value in enumerate(params) if type(value) is type(placeholder) and value == placeholder
            )
            if not positions:
                # The ORM changed the value on its way into the SQL (a LIKE pattern, a cast): the
                # slot cannot be filled by position. Such a lookup does not belong here.
                raise ValueError(f"{name!r} is not a plain parameter of the compiled query")
            slots[name] = positions
        columns = [column for column, _sql, _alias in compiler.select]
        converters = list(compiler.get_converters(columns).items())
        models = tuple(
            (
                info["model"],
                tuple(info["select_fields"]),
                tuple(compiler.select[position][0].target.attname for position in info["select_fields"]),
            )
            for info in (_flatten(compiler.klass_info) if compiler.klass_info else ())
        )
        statement = _Statement(sql, params, slots, converters, models, dict(compiler.annotation_col_map or {}))
        self._compiled[alias] = statement
        return statement

    def first(self, **values: Any) -> Row | None:
        if values.keys() != self.slots.keys():
            raise TypeError(f"expected the values of {sorted(self.slots)}, got {sorted(values)}")
        alias = router.db_for_read(self._model())
        statement = self.statement(alias)
        params = list(statement.params)
        for name, positions in statement.slots.items():
            for position in positions:
                params[position] = values[name]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        apply_converters(row, statement.converters, connection)
        instances = tuple(
            model.from_db(alias, names, [row[position] for position in positions])
            for model, positions, names in statement.models
        )
        return Row(instances, {name: row[position] for name, position in statement.annotations.items()})

    def _model(self) -> type[Model]:
        if self._query_model is None:
            self._query_model = self.build(**self._placeholders()).model
        return self._query_model
