from django.db import migrations

# The chain trigger of 0021 also accepts a ticket whose head the writer advanced itself, in the
# same transaction and under the row lock, to the last hash of the rows inserted: the SLA sweep's
# and the bulk services' batch writes the new heads in the batch's own ticket UPDATE
# (tickets.bulk.RowsWrite), so a breached ticket gets one new row version (a HOT update), not
# two. The other tickets are advanced here as before, when their head is the first row's prev.
FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken bigint;
    expected bigint;
    advanced bigint;
    already bigint;
BEGIN
    SELECT min(id) INTO broken FROM (
        SELECT id, prev, lag(hash) OVER (PARTITION BY ticket_id ORDER BY id) AS before FROM new_events
    ) AS ordered WHERE before IS NOT NULL AND prev IS DISTINCT FROM before;
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION 'audit chain: event % does not follow the event before it', broken
            USING ERRCODE = '23000';
    END IF;
    WITH per_ticket AS (
        SELECT ticket_id, (array_agg(prev ORDER BY id))[1] AS first_prev,
               (array_agg(hash ORDER BY id DESC))[1] AS last_hash, count(*) AS n
        FROM new_events GROUP BY ticket_id
    ), moved AS (
        UPDATE tickets_ticket AS t SET audit_head = p.last_hash, audit_length = t.audit_length + p.n
        FROM per_ticket AS p WHERE t.id = p.ticket_id AND t.audit_head = p.first_prev RETURNING t.id
    )
    SELECT (SELECT count(*) FROM per_ticket), (SELECT count(*) FROM moved),
           (SELECT count(*) FROM per_ticket AS p JOIN tickets_ticket AS t
                ON t.id = p.ticket_id AND t.audit_head = p.last_hash)
        INTO expected, advanced, already;
    IF advanced + already <> expected THEN
        RAISE EXCEPTION 'audit chain: an event does not follow its ticket''s chain head (stale head?)'
            USING ERRCODE = '23000';
    END IF;
    RETURN NULL;
END $$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(
            import_module("tickets.migrations.0021_audit_chain")
            .PG_CHAIN.split("CREATE TRIGGER")[0]
            .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0022_events_append_only")]

    operations = [migrations.RunPython(forward, backward)]
