"""Migration operations shared by the apps."""

from django.db.migrations.operations.base import Operation


class SetFillfactor(Operation):
    """Leave room on each PostgreSQL heap page so that an update finds space for the new row version
    on the same page: a HOT update (no index entries) when no indexed column changed, and one page
    to write instead of two otherwise. Applies to pages written from now on (existing ones as they
    are rewritten, e.g. by VACUUM FULL). Nothing to do on other databases."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, percent: int) -> None:
        self.table = table
        self.percent = int(percent)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.table, self.percent], {}

    def state_forwards(self, app_label, state) -> None:
        pass  # a storage parameter: no model state

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {schema_editor.quote_name(self.table)} SET (fillfactor = {self.percent})"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(self.table)} RESET (fillfactor)")

    def describe(self) -> str:
        return f"Set fillfactor {self.percent} on {self.table}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.table}_fillfactor"
