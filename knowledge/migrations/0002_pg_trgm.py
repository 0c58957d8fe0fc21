from django.db import migrations


def create_pg_trgm(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    """pg_trgm for Chinese article search (Debian's PostgreSQL has no Chinese text-search parser).
    Nothing on SQLite; reversing keeps the extension, which other databases objects may use."""

    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop)]
