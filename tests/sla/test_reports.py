"""The SLA report is computed by the database and gives the numbers a Python reference gives."""

from datetime import timedelta
from statistics import quantiles

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from sla.reports import PERCENTILES, sla_report
from tests.factories import TicketFactory
from tickets import audit
from tickets.models import TicketEvent

# Minutes from creation: uneven, with ties, so the interpolation between ranks matters.
FIRST_RESPONSE_MINUTES = [3, 10, 10, 11.5, 47, 90, 200, 1000, 4.25]
RESOLUTION_MINUTES = [60, 61, 300, 2000, 7.5, 999]


def reference(minutes: list[float]) -> dict:
    """What statistics.quantiles(method="inclusive") says (PERCENTILE_CONT), in minutes."""
    seconds = sorted(m * 60 for m in minutes)
    cuts = quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else [seconds[0]] * 99
    return {"count": len(seconds), **{f"p{p}": round(cuts[p - 1] / 60, 1) for p in PERCENTILES}}


@pytest.fixture
def history(category, now):
    tickets = []
    for index, minutes in enumerate(FIRST_RESPONSE_MINUTES):
        created = now - timedelta(days=2, minutes=index)
        solved = created + timedelta(minutes=RESOLUTION_MINUTES[index]) if index < len(RESOLUTION_MINUTES) else None
        tickets.append(
            TicketFactory(
                category=category,
                created_at=created,
                first_response_at=created + timedelta(minutes=minutes),
                solved_at=solved,
                status="solved" if solved else "open",
            )
        )
    return tickets


def report(now):
    return sla_report(since=now - timedelta(days=7), until=now)


def test_first_response_percentiles_agree_with_the_python_reference(history, now):
    assert report(now)["first_response_minutes"] == reference(FIRST_RESPONSE_MINUTES)


def test_resolution_percentiles_agree_with_the_python_reference(history, now):
    assert report(now)["resolution_minutes"] == reference(RESOLUTION_MINUTES)


def test_one_answered_ticket_is_every_percentile(category, now):
    created = now - timedelta(hours=3)
    TicketFactory(category=category, created_at=created, first_response_at=created + timedelta(minutes=42))
    assert report(now)["first_response_minutes"] == {"count": 1, "p50": 42.0, "p75": 42.0, "p90": 42.0, "p95": 42.0}


def test_no_answered_ticket_has_no_percentiles(db, now):
    assert report(now)["resolution_minutes"] == {"count": 0, "p50": None, "p75": None, "p90": None, "p95": None}


def test_report_counts_tickets_created_in_the_period_only(history, category, now):
    TicketFactory(category=category, created_at=now - timedelta(days=30))
    assert report(now)["tickets_created"] == len(history)


def test_breaches_by_team_and_category_count_each_breach_event(history, other_category, now):
    history[1].category = other_category
    history[1].team = other_category.default_team
    history[1].save()
    for ticket in (history[0], history[0], history[1]):
        audit.record(ticket, actor=None, kind=TicketEvent.Kind.SLA_BREACHED, at=now - timedelta(days=1))
    audit.record(history[2], actor=None, kind=TicketEvent.Kind.SLA_BREACHED, at=now - timedelta(days=9))
    result = report(now)
    assert result["breaches_by_team"] == {history[0].team.code: 2, other_category.default_team.code: 1}
    assert result["breaches_by_category"] == {history[0].category.code: 2, other_category.code: 1}


def test_breaches_are_grouped_by_the_database(history, now):
    audit.record(history[0], actor=None, kind=TicketEvent.Kind.SLA_BREACHED, at=now - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        report(now)
    on_events = [q["sql"] for q in queries if "ticketevent" in q["sql"]]
    assert on_events
    assert all("GROUP BY" in sql for sql in on_events)


def test_percentiles_are_computed_by_the_database(history, now):
    with CaptureQueriesContext(connection) as queries:
        report(now)
    sql = " ".join(q["sql"] for q in queries)
    if connection.vendor == "postgresql":
        assert "percentile_cont" in sql
    else:
        # Two ranked rows per percentile and measure, never every duration.
        assert sql.count("LIMIT 2 OFFSET") + sql.count("LIMIT 2") >= len(PERCENTILES) * 2


def test_breaches_count_for_the_team_the_ticket_was_in_when_it_breached(ticket, sla_policy, security, agent, now):
    from sla.services import sla_ticket_created
    from sla.sweep import sla_sweep
    from tickets import services

    sla_ticket_created(ticket=ticket, now=now)
    sla_sweep(now=now + timedelta(hours=5))
    services.ticket_change_team(ticket=ticket, actor=agent, team=security, now=now + timedelta(hours=6))
    assert sla_report(since=now, until=now + timedelta(days=1))["breaches_by_team"] == {"payments": 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side-by-side connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_report_on_two_connections_equals_the_report_on_one(history, now):
    audit.record(history[0], actor=None, kind=TicketEvent.Kind.SLA_BREACHED, at=now - timedelta(days=1))
    period = {"since": now - timedelta(days=7), "until": now}
    assert sla_report(**period, workers=2) == sla_report(**period, workers=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side-by-side connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_report_parts_read_one_snapshot_taken_when_the_report_began(history, now, monkeypatch):
    """A change committed while the report runs is in none of its parts, whichever connection
    runs them: here an old ticket moved into the period just before the counts are read."""
    from sla import reports

    old = TicketFactory(category=history[0].category, created_at=now - timedelta(days=30))
    real_parts = reports._postgresql_parts

    def parts_with_a_write_before_the_counts(**period):
        parts = real_parts(**period)
        counts = parts["counts"]

        def write_then_count():
            other = connections.create_connection("default")  # autocommit: committed at once
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "UPDATE tickets_ticket SET created_at = %s WHERE id = %s", [now - timedelta(hours=1), old.pk]
                    )
            finally:
                other.close()
            return counts()

        return {**parts, "counts": write_then_count}

    monkeypatch.setattr(reports, "_postgresql_parts", parts_with_a_write_before_the_counts)
    assert sla_report(since=now - timedelta(days=7), until=now, workers=2)["tickets_created"] == len(history)


def test_breach_events_with_and_without_their_team_are_counted_together(history, other_category, now):
    at = now - timedelta(days=1)
    kind = TicketEvent.Kind.SLA_BREACHED
    audit.record(history[0], actor=None, kind=kind, at=at, team="security", category=other_category.code)
    audit.record(history[1], actor=None, kind=kind, at=at)  # written before events named them
    result = report(now)
    assert result["breaches_by_team"] == dict(sorted({"security": 1, history[1].team.code: 1}.items()))
    assert result["breaches_by_category"] == dict(sorted({other_category.code: 1, history[1].category.code: 1}.items()))
