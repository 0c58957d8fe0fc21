from django.db import migrations

# Ticket events are append-only in the database itself, not only in the ORM
# (TicketEvent.save/delete): on PostgreSQL a trigger refuses every UPDATE and DELETE of a row,
# whoever sends it (a bulk update(), raw SQL, the admin), with SQLSTATE 23000 (IntegrityError).
# Nothing in the application deletes events or tickets that have them (TicketEvent.ticket is
# PROTECT), so no way around it is provided; TRUNCATE (the test runner's flush) is not a row
# operation and stays possible for the table's owner. SQLite (development, tests): nothing.
FORWARD = """
CREATE FUNCTION tickets_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ticket events are append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = '23000';
END $$;
CREATE TRIGGER tickets_event_append_only BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0021_audit_chain")]

    operations = [migrations.RunPython(forward, backward)]
