"""One-row INSERTs compiled once per model, database and column set, for the models every ticket
creation writes (ticket, message, event, outbox row).

`Model.save()` builds an InsertQuery and compiles it on every call; for a ticket's 35 columns that
was most of the web process's CPU per INSERT. `CompiledInsert._do_insert` keeps everything else
`save()` does (the model's own save(), pre_save and post_save signals, auto_now, the instance's
state) and replaces only the compiling: the statement is built once by Django's own compiler and
cached, and each save computes its parameters as the compiler would (`pre_save`, then
`get_db_prep_save`) and reads back the returned columns with the compiler's converters.

Anything the cached statement cannot express goes to Django's path unchanged: an expression as a
value (`Now()`, `DatabaseDefault`), a field with its own placeholder SQL, a backend that cannot
return columns from an INSERT or that modifies insert parameters."""

from django.db import connections
from django.db.models.sql import InsertQuery

# (model, alias, fields, returning fields, raw) -> (sql, the returned columns' converters) or None
# (None: this INSERT goes through Django's compiler every time).
_compiled: dict[tuple, tuple | None] = {}


def _is_expression(value) -> bool:
    return hasattr(value, "resolve_expression")


def _compile(instance, using: str, fields: tuple, returning_fields: tuple, raw: bool) -> tuple | None:
    connection = connections[using]
    features = connection.features
    if (
        not fields
        or not features.can_return_columns_from_insert
        or connection.vendor not in ("postgresql", "sqlite")
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    query = InsertQuery(type(instance))
    query.insert_values(list(fields), [instance], raw=raw)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(returning_fields)
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return None
    sql, _params = statements[0]
    table = instance._meta.db_table
    converters = compiler.get_converters([field.get_col(table) for field in returning_fields])
    # Applied with the connection of the thread that saves (connections are per thread).
    return sql, list(converters.items())


class CompiledInsert:
    """Mixin for a model (before models.Model in its bases) whose single-row INSERTs are hot."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        fields, returning_fields = tuple(fields), tuple(returning_fields or ())
        key = (type(self), using, fields, returning_fields, raw)
        if key not in _compiled:
            if any(_is_expression(getattr(self, field.attname)) for field in fields):
                # Compiled from this instance, the statement would hold its expression's SQL.
                return super()._do_insert(manager, using, fields, returning_fields, raw)
            _compiled[key] = _compile(self, using, fields, returning_fields, raw)
        compiled = _compiled[key]
        if compiled is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        connection = connections[using]
        values = [getattr(self, field.attname) if raw else field.pre_save(self, True) for field in fields]
        if any(_is_expression(value) for value in values):
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        prepare = [field.get_db_prep_save for field in fields]
        params = [to_db(value, connection=connection) for to_db, value in zip(prepare, values, strict=True)]
        sql, converters = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if not returning_fields:
                return []
            row = list(connection.ops.fetch_returned_insert_columns(cursor, ()))
        for position, (functions, expression) in converters:
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        return [row]
