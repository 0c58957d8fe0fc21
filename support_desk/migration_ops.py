"""Migration operations shared by the apps."""

from django.db import migrations


def set_fillfactor(table: str, percent: int) -> migrations.RunPython:
    """Leave room on each PostgreSQL heap page so that an update finds space for the new row version
    on the same page: a HOT update (no index entries) when no indexed column changed, and one page
    to write instead of two otherwise. Applies to pages written from now on (existing ones as they
    are rewritten). Nothing to do on SQLite."""

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" SET (fillfactor = {int(percent)})')

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" RESET (fillfactor)')

    return migrations.RunPython(forward, backward)
