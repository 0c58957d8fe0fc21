"""With a read replica configured (REPORTS_DATABASE_URL: the "reports" alias) the reports read it
and only it; the router sends nothing else there and migrates nothing on it (issue 14 item 5).

The suite has no replica: the alias here is a second connection to the test database itself."""

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from sla.complaints.reports import complaints_report
from sla.reports import sla_report
from support_desk.db_routers import ReportsReplicaRouter, reports_alias
from tests.factories import TicketFactory


@pytest.fixture
def reports_replica(transactional_db, monkeypatch):
    """A "reports" alias (as REPORTS_DATABASE_URL configures it) on a second connection to the
    test database: the test is transactional so that connection sees the rows it commits. The
    connection is installed directly, not through the test's allowed databases (set up before
    this fixture runs, when the alias did not exist)."""
    config = copy.deepcopy(connections["default"].settings_dict)
    monkeypatch.setattr(settings, "DATABASES", {**settings.DATABASES, "reports": config})
    replica = load_backend(config["ENGINE"]).DatabaseWrapper(config, "reports")
    connections["reports"] = replica
    yield "reports"
    replica.close()
    del connections["reports"]


@pytest.fixture
def answered_tickets(category, now):
    for minutes in (5, 30, 90):
        created = now - timedelta(days=1, minutes=minutes)
        TicketFactory(category=category, created_at=created, first_response_at=created + timedelta(minutes=minutes))


def test_reports_read_the_primary_without_a_replica():
    assert reports_alias() == "default"


def test_reports_read_the_replica_when_one_is_configured(reports_replica):
    assert reports_alias() == "reports"


def test_sla_report_runs_every_statement_on_the_replica(reports_replica, answered_tickets, now):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["reports"]) as replica,
    ):
        report = sla_report(since=now - timedelta(days=7), until=now, group_by="team", workers=1)

    assert report["first_response_minutes"]["count"] == 3
    assert len(replica) > 0
    assert len(primary) == 0


def test_complaints_report_runs_every_statement_on_the_replica(reports_replica, now):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["reports"]) as replica,
    ):
        complaints_report(since=now - timedelta(days=7), until=now)

    assert len(replica) > 0
    assert len(primary) == 0


def test_router_migrates_nothing_on_the_replica():
    assert ReportsReplicaRouter().allow_migrate("reports", "tickets", model_name="ticket") is False


def test_router_leaves_the_primary_to_django():
    router = ReportsReplicaRouter()

    assert router.allow_migrate("default", "tickets", model_name="ticket") is None
    assert router.db_for_read(object) is None
    assert router.db_for_write(object) is None
