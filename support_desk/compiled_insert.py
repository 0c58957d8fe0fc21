"""INSERTs compiled once per model, database, column set and row count, for the rows every ticket
creation writes (ticket, message, event, SLA clocks, outbox row).

`Model.save()` and `QuerySet.bulk_create()` build an InsertQuery and compile it on every call; for
a ticket's 35 columns that was most of the web process's CPU per INSERT. Here the statement is
built once by Django's own compiler and cached; each call computes the parameters as the compiler
does (`pre_save`, then `get_db_prep_save`, laid out row by row: VALUES rows, also where
PostgreSQL's compiler would insert several rows from UNNEST arrays) and reads the returned columns
back with the compiler's converters.

- `CompiledInsert` (a model mixin) replaces only `_do_insert`: everything else `save()` does stays
  (the model's own save(), pre_save and post_save signals, auto_now, the instance's state).
- `bulk_create_compiled(objs)` is `QuerySet.bulk_create(objs)` for a few new rows.

Anything the cached statement cannot express goes to Django's path unchanged: an expression as a
value (`Now()`, `DatabaseDefault`), a field with its own placeholder SQL, a backend that cannot
return columns from an INSERT, rows with their primary key set (bulk)."""

from types import MethodType

from django.db import connections, router
from django.db.models import AutoField
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

# (model, alias, fields, returning fields, raw, rows) -> (sql, converters) or None
# (None: this INSERT goes through Django's compiler every time).
_compiled: dict[tuple, tuple | None] = {}


def apply_converters(row: list, converters: list, connection) -> None:
    """`SQLCompiler.apply_converters` for one row (in place), with the given connection: for a
    statement compiled once and run by any thread, whose compiler holds the compiling thread's
    connection. `converters` is `list(compiler.get_converters(...).items())`."""
    for position, (functions, expression) in converters:
        for convert in functions:
            row[position] = convert(row[position], expression, connection)


def _is_expression(value) -> bool:
    return hasattr(value, "resolve_expression")


def _statement(model, objs: list, using: str, fields: tuple, returning_fields: tuple, raw: bool) -> tuple | None:
    connection = connections[using]
    features = connection.features
    if (
        not fields
        or not features.can_return_columns_from_insert
        or (len(objs) > 1 and not features.can_return_rows_from_bulk_insert)
        or connection.vendor not in ("postgresql", "sqlite")
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    query = InsertQuery(model)
    query.insert_values(list(fields), objs, raw=raw)
    compiler = query.get_compiler(using=using)
    # A few rows as VALUES rows, not PostgreSQL's UNNEST of one array per column: the statement is
    # compiled and prepared once either way, and adapting one array per column (22 for two SLA
    # clocks) cost the web process more than the rows' plain values.
    compiler.assemble_as_sql = MethodType(SQLInsertCompiler.assemble_as_sql, compiler)
    compiler.returning_fields = list(returning_fields) or None
    statements = compiler.as_sql()
    if len(statements) != 1 or compiler.returning_params:
        return None
    sql, params = statements[0]
    if len(params) != len(fields) * len(objs):
        return None
    converters = compiler.get_converters([field.get_col(model._meta.db_table) for field in returning_fields])
    # Applied with the connection of the thread that inserts (connections are per thread).
    return sql, list(converters.items())


def _insert(model, objs: list, using: str, fields: tuple, returning_fields: tuple, raw: bool) -> list | None:
    """The returned columns of each new row, or None: this INSERT goes through Django's compiler."""
    values = [[getattr(obj, field.attname) if raw else field.pre_save(obj, True) for field in fields] for obj in objs]
    if any(_is_expression(value) for row in values for value in row):
        return None  # compiled from these rows, the statement would hold the expression's SQL
    key = (model, using, fields, returning_fields, raw, len(objs))
    if key not in _compiled:
        _compiled[key] = _statement(model, objs, using, fields, returning_fields, raw)
    if (compiled := _compiled[key]) is None:
        return None
    sql, converters = compiled
    connection = connections[using]
    prepare = [field.get_db_prep_save for field in fields]
    params = [to_db(value, connection=connection) for row in values for to_db, value in zip(prepare, row, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not returning_fields:
            return []
        if len(objs) > 1:
            returned = [list(row) for row in connection.ops.fetch_returned_insert_rows(cursor)]
        else:
            returned = [list(connection.ops.fetch_returned_insert_columns(cursor, ()))]
    for row in returned:
        apply_converters(row, converters, connection)
    return returned


class CompiledInsert:
    """Mixin for a model (before models.Model in its bases) whose single-row INSERTs are hot."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        rows = _insert(type(self), [self], using, tuple(fields), tuple(returning_fields or ()), raw)
        if rows is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        return rows


def bulk_create_compiled(objs: list) -> list:
    """`Model.objects.bulk_create(objs)` for a few new rows of one model (no signals, as there):
    one INSERT, compiled once per row count, the new ids set on the instances."""
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    if any(obj.pk is not None for obj in objs) or any(type(obj) is not model for obj in objs):
        return model._default_manager.bulk_create(objs)
    using = router.db_for_write(model)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    fields = tuple(f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoField))
    returning_fields = tuple(opts.db_returning_fields)
    rows = _insert(model, objs, using, fields, returning_fields, False)
    if rows is None:
        return model._default_manager.bulk_create(objs)
    for obj, row in zip(objs, rows, strict=True):
        for field, value in zip(returning_fields, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
    return objs
