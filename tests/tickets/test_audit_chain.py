"""The audit trail's hash chain (issue 12, item 5): tickets.audit chains every event, the database
keeps the head, verify_audit and the periodic check find an edited, a deleted and an inserted row."""

import contextlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from tests.factories import TicketFactory
from tickets import audit
from tickets.audit_chain import audit_chain_check, verify_chains
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def triggers_off():
    """Write behind the application's back, as someone with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:  # SQLite: rolled back with the test's transaction
            cursor.execute("DROP TRIGGER IF EXISTS tickets_event_chain_check")
            cursor.execute("DROP TRIGGER IF EXISTS tickets_event_chain_head")
            yield cursor


def three_events(now):
    ticket = TicketFactory()
    events = [
        audit.record(ticket, kind=Kind.STATUS_CHANGED, actor=None, at=now + timedelta(seconds=n), to=f"s{n}")
        for n in range(3)
    ]
    return ticket, events


def test_each_event_carries_the_hash_of_the_one_before(now):
    ticket, _events = three_events(now)
    stored = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    assert [event.prev for event in stored] == ["", stored[0].hash, stored[1].hash]
    assert stored[2].hash == audit.event_hash(
        ticket_id=ticket.pk,
        kind=Kind.STATUS_CHANGED,
        actor_id=None,
        at=stored[2].at,
        data={"to": "s2"},
        prev=stored[1].hash,
    )


def test_the_database_keeps_the_chain_head_and_length(now):
    ticket, events = three_events(now)
    ticket.refresh_from_db()
    assert (ticket.audit_head, ticket.audit_length) == (events[-1].hash, 3)


def test_record_many_continues_each_tickets_chain_in_the_order_given(now):
    ticket, events = three_events(now)
    other = TicketFactory()
    audit.record_many([audit.row(t.pk, Kind.SLA_WARNING, now, n=n) for n in range(2) for t in (ticket, other)])
    assert list(verify_chains()) == []
    ticket.refresh_from_db()
    assert ticket.audit_length == 5
    first_new = TicketEvent.objects.filter(ticket=ticket, kind=Kind.SLA_WARNING).order_by("id").first()
    assert first_new.prev == events[-1].hash


def test_a_full_save_of_a_stale_ticket_keeps_the_chain_head(now):
    stale = TicketFactory()
    audit.record(Ticket.objects.get(pk=stale.pk), kind=Kind.RATED, actor=None, at=now)
    stale.subject = "changed"
    stale.save()
    assert list(verify_chains()) == []


def test_an_event_that_does_not_follow_the_head_is_refused(now):
    ticket, _ = three_events(now)
    stale = Ticket.objects.get(pk=ticket.pk)
    stale.audit_head = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        audit.record(stale, kind=Kind.RATED, actor=None, at=now)


def test_intact_chains_have_no_break(now):
    three_events(now)
    TicketFactory()  # no events: head '' and length 0
    assert list(verify_chains()) == []


def test_an_edited_event_fails_its_own_hash(now):
    ticket, events = three_events(now)
    with triggers_off() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET data = %s WHERE id = %s", ['{"to": "forged"}', events[1].pk])
    [broken] = verify_chains()
    assert (broken.reference, broken.event_id, broken.what, broken.found) == (
        ticket.reference,
        events[1].pk,
        "hash",
        events[1].hash,
    )


def test_a_deleted_event_breaks_the_next_ones_link(now):
    _ticket, events = three_events(now)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [events[1].pk])
    [broken] = verify_chains()
    assert (broken.event_id, broken.what, broken.expected, broken.found) == (
        events[2].pk,
        "prev",
        events[0].hash,
        events[1].hash,
    )


def test_a_deleted_last_event_no_longer_matches_the_head(now):
    _ticket, events = three_events(now)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [events[2].pk])
    [broken] = verify_chains()
    assert (broken.event_id, broken.what, broken.expected, broken.found) == (
        None,
        "head",
        events[1].hash,
        events[2].hash,
    )


def test_an_inserted_event_breaks_the_chain_even_with_a_well_formed_hash(now):
    ticket, events = three_events(now)
    at = now + timedelta(seconds=1, microseconds=5)
    forged = audit.event_hash(
        ticket_id=ticket.pk, kind="status_changed", actor_id=None, at=at, data={}, prev=events[0].hash
    )
    with triggers_off() as cursor:  # claims to follow the first event
        cursor.execute(
            "INSERT INTO tickets_ticketevent (ticket_id, kind, data, at, prev, hash) VALUES (%s, %s, %s, %s, %s, %s)",
            [ticket.pk, "status_changed", "{}", at, events[0].hash, forged],
        )
    [broken] = verify_chains()
    assert (broken.what, broken.expected, broken.found) == ("prev", events[2].hash, events[0].hash)


def test_verify_audit_names_the_first_broken_link_and_exits_non_zero(now):
    ticket, events = three_events(now)
    with triggers_off() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET kind = 'rated' WHERE id = %s", [events[0].pk])
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", stdout=out)
    assert raised.value.returncode == 1
    assert f"BROKEN {ticket.reference}: event {events[0].pk}: hash expected" in out.getvalue()
    assert events[0].hash in out.getvalue()


def test_verify_audit_says_intact_and_exits_zero(now):
    three_events(now)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit chains intact" in out.getvalue()


def test_the_periodic_check_records_a_break_on_its_ticket_once(now):
    ticket, events = three_events(now)
    with triggers_off() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET data = '{}' WHERE id = %s", [events[2].pk])
    assert len(audit_chain_check(now=now + timedelta(minutes=5))) == 1
    assert len(audit_chain_check(now=now + timedelta(minutes=10))) == 1
    [alert] = TicketEvent.objects.filter(ticket=ticket, kind=Kind.AUDIT_CHAIN_BROKEN)
    assert alert.data == {
        "event_id": events[2].pk,
        "what": "hash",
        "expected": alert.data["expected"],
        "found": events[2].hash,
    }


def test_the_periodic_check_leaves_tickets_without_recent_events_alone(now):
    _ticket, events = three_events(now - timedelta(hours=3))
    with triggers_off() as cursor:
        cursor.execute("UPDATE tickets_ticketevent SET data = '{}' WHERE id = %s", [events[2].pk])
    assert audit_chain_check(now=now) == []


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


@postgresql_only
def test_the_database_refuses_to_update_an_event(now):
    _ticket, events = three_events(now)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TicketEvent.objects.filter(pk=events[0].pk).update(data={"to": "forged"})


@postgresql_only
def test_the_database_refuses_to_delete_an_event(now):
    _ticket, events = three_events(now)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent WHERE id = %s", [events[0].pk])


def test_the_export_has_the_public_entries_hashes_and_the_chain_head_and_length(api_client, customer, now):
    ticket = TicketFactory(requester=customer)
    public = audit.record(ticket, kind=Kind.STATUS_CHANGED, actor=None, at=now, **{"from": "new", "to": "open"})
    internal = audit.record(
        ticket, kind=Kind.SLA_BREACHED, actor=None, at=now, metric="first_response", note="x-internal"
    )
    api_client.force_authenticate(customer)
    response = api_client.get(f"/api/v1/tickets/{ticket.reference}/export/")
    proof = response.json()["audit"]
    assert proof["chain_head"] == internal.hash
    assert proof["chain_length"] == 2
    assert [entry["hash"] for entry in proof["entries"]] == [public.hash]
    assert b"x-internal" not in response.content
    assert b"sla_breached" not in response.content


def test_a_batch_write_continues_the_chains_of_its_changed_and_unchanged_tickets(now):
    from tickets import bulk

    changed, unchanged = TicketFactory(), TicketFactory()
    audit.record(Ticket.objects.get(pk=changed.pk), kind=Kind.RATED, actor=None, at=now)
    rows = [Ticket.objects.select_related("team", "assignee").get(pk=changed.pk)]
    write = bulk.RowsWrite(now=now)
    bulk.tickets_bulk_raise_priority(tickets=rows, now=now, write=write, recompute_sla=False)
    write.events.append(audit.row(unchanged.pk, Kind.SLA_WARNING, now))
    write.flush()
    assert list(verify_chains()) == []
    assert Ticket.objects.get(pk=changed.pk).audit_length == 2
