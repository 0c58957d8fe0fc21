"""tickets.audit is the one writer of TicketEvent rows (single and bulk)."""

import re
from pathlib import Path

import pytest

from tests.factories import TicketFactory
from tickets import audit
from tickets.models import TicketEvent

ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "tickets" / "audit.py"
# Writes rows behind the application's back on purpose: the chain must find them.
TAMPERING = ROOT / "tests" / "tickets" / "test_audit_chain.py"
# Not the application: the virtualenv, local data, migrations, and bench/, whose scripts fill the
# benchmark databases with millions of generated rows (COPY) before measuring.
SKIPPED_PARTS = {".venv", "var", "bench", "migrations", "node_modules", "staticfiles"}
# Ways to write an event other than tickets.audit.
WRITES = re.compile(
    r"TicketEvent\.objects\.(create|bulk_create|get_or_create|update_or_create)\b"
    r"|TicketEvent\.record\b"
    r"|(?<!class )\bTicketEvent\("
    r"|\bevents\.(create|bulk_create|get_or_create|update_or_create)\("
    r"|insert_rows\(\s*TicketEvent\b"
    r"|(INSERT\s+INTO|COPY)\s+\"?tickets_ticketevent",
    re.IGNORECASE,
)


def _sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts)
        and path not in (WRITER, TAMPERING, Path(__file__))
    ]


def test_no_code_outside_the_audit_module_writes_ticket_events():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITES.search(line)
    ]
    assert offenders == [], "write TicketEvent rows through tickets.audit.record / record_many:\n" + "\n".join(
        offenders
    )


def test_the_guard_sees_the_ways_of_writing_an_event():
    for line in (
        "TicketEvent.objects.create(ticket=t)",
        "TicketEvent.objects.bulk_create(rows)",
        "TicketEvent.record(ticket, actor=None)",
        "rows = [TicketEvent(ticket=t) for t in tickets]",
        "ticket.events.create(kind='x')",
        "insert_rows(TicketEvent, rows, fields)",
        'cursor.execute("INSERT INTO tickets_ticketevent (kind) VALUES (%s)")',
    ):
        assert WRITES.search(line), line
    assert not WRITES.search("class TicketEvent(models.Model):")
    assert not WRITES.search("TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED)")


@pytest.mark.django_db
def test_record_writes_one_event_with_its_data(now):
    ticket = TicketFactory()
    event = audit.record(ticket, kind=TicketEvent.Kind.RATED, actor=None, at=now, rating=5)
    assert TicketEvent.objects.get(pk=event.pk).data == {"rating": 5}


@pytest.mark.django_db
def test_record_many_writes_every_row_in_one_statement_after_reading_the_chain_heads(django_assert_num_queries, now):
    ticket = TicketFactory()
    rows = [audit.row(ticket.pk, TicketEvent.Kind.SLA_WARNING, now, percent=n) for n in range(50)]
    with django_assert_num_queries(2):  # the heads of the batch's tickets, then the INSERT
        assert audit.record_many(rows) == 50
    written = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_WARNING)
    assert sorted(written.values_list("data__percent", flat=True)) == list(range(50))


@pytest.mark.django_db
def test_record_many_of_nothing_runs_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert audit.record_many([]) == 0
