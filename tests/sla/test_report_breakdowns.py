"""The SLA report narrowed to a scope and broken down by team, category, priority, channel or
agent; the backlog, satisfaction and CSV that the desk's reports page draws."""

import csv
import io
from datetime import timedelta

import pytest

from sla.backlog import backlog_snapshot_take
from sla.models import BacklogSnapshot, Metric, SlaClock
from sla.reports import Scope, sla_report
from sla.services import sla_ticket_created
from tests.factories import TicketFactory
from tickets import services
from tickets.models import Satisfaction

URL = "/api/v1/reports/sla/"


@pytest.fixture
def as_lead(api_client, lead):
    api_client.force_authenticate(lead)
    return api_client


@pytest.fixture
def answered(category, other_category, agent, now):
    """Three answered tickets in payments (agent1, urgent/normal), one in general (nobody)."""
    made = []
    for minutes, cat, priority, assignee in (
        (10, category, "urgent", agent),
        (30, category, "normal", agent),
        (50, category, "normal", None),
        (70, other_category, "normal", None),
    ):
        created = now - timedelta(days=1, hours=minutes)
        made.append(
            TicketFactory(
                category=cat,
                priority=priority,
                assignee=assignee,
                created_at=created,
                first_response_at=created + timedelta(minutes=minutes),
                status="open",
            )
        )
    return made


def period(now):
    return {"since": now - timedelta(days=7), "until": now}


def test_breakdown_by_team_has_a_row_per_team_that_sums_to_the_total(answered, now):
    report = sla_report(**period(now), group_by="team")
    rows = {row["key"]: row for row in report["groups"]}
    assert {key: row["first_response_minutes"]["count"] for key, row in rows.items()} == {"payments": 3, "general": 1}
    assert sum(row["tickets_created"] for row in rows.values()) == report["tickets_created"] == 4


def test_breakdown_rows_have_their_own_percentiles(answered, now):
    rows = {row["key"]: row for row in sla_report(**period(now), group_by="team")["groups"]}
    assert rows["payments"]["first_response_minutes"]["p50"] == 30.0
    assert rows["general"]["first_response_minutes"]["p50"] == 70.0


def test_breakdown_by_agent_keys_rows_by_username_and_nobody_by_an_empty_key(answered, agent, now):
    rows = {row["key"]: row for row in sla_report(**period(now), group_by="agent")["groups"]}
    assert {key: row["tickets_created"] for key, row in rows.items()} == {agent.username: 2, "": 2}


def test_breakdown_by_priority_is_labelled_in_the_users_language(answered, now):
    rows = {row["key"]: row["label"] for row in sla_report(**period(now), group_by="priority")["groups"]}
    assert rows == {"urgent": "Urgent", "normal": "Normal"}


def test_scope_narrows_every_figure_to_its_tickets(answered, payments, now):
    report = sla_report(**period(now), scope=Scope(team=payments.pk, priority="normal"))
    assert report["tickets_created"] == 2
    assert report["first_response_minutes"]["count"] == 2
    assert report["scope"] == {"team": "payments", "priority": "normal"}


def test_fulfilled_clock_records_where_the_ticket_stood(ticket, sla_policy, agent, now):
    sla_ticket_created(ticket=ticket, now=now)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent, now=now)
    services.message_add(ticket=ticket, author=agent, body="On it.", now=now + timedelta(minutes=5))
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert (clock.ended_team_id, clock.ended_category_id, clock.ended_assignee_id) == (
        ticket.team_id,
        ticket.category_id,
        agent.pk,
    )
    assert (clock.ended_priority, clock.ended_channel) == (ticket.priority, ticket.channel)


def test_compliance_by_team_counts_the_team_when_the_clock_was_fulfilled(ticket, sla_policy, agent, security, now):
    sla_ticket_created(ticket=ticket, now=now)
    services.message_add(ticket=ticket, author=agent, body="Answered.", now=now + timedelta(minutes=5))
    services.ticket_change_team(ticket=ticket, actor=agent, team=security, now=now + timedelta(minutes=6))
    report = sla_report(since=now, until=now + timedelta(days=1), group_by="team")
    rows = {row["key"]: row["compliance"]["first_response"]["clocks"] for row in report["groups"]}
    assert rows["payments"] == 1
    assert rows.get("security", 0) == 0


def test_breaches_by_agent_follow_the_agent_when_the_clock_ran_out(ticket, sla_policy, agent, now):
    from sla.sweep import sla_sweep

    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent, now=now)
    sla_ticket_created(ticket=ticket, now=now)
    sla_sweep(now=now + timedelta(hours=5))
    rows = {
        row["key"]: row["breaches"]
        for row in sla_report(since=now, until=now + timedelta(days=1), group_by="agent")["groups"]
    }
    assert rows[agent.username] == 1


def test_backlog_snapshot_counts_open_tickets_by_place(category, agent, now):
    TicketFactory.create_batch(2, category=category)
    TicketFactory(category=category, assignee=agent)
    TicketFactory(category=category, status="solved")
    assert backlog_snapshot_take(now=now) == 2  # unassigned and agent1's: two places
    assert sorted(BacklogSnapshot.objects.values_list("open_tickets", flat=True)) == [1, 2]


def test_a_new_count_replaces_the_days_backlog(category, now):
    TicketFactory(category=category)
    backlog_snapshot_take(now=now)
    TicketFactory(category=category)
    backlog_snapshot_take(now=now + timedelta(minutes=15))
    point = sla_report(since=now - timedelta(days=1), until=now + timedelta(hours=1))["backlog"][-1]
    assert (point["open"], point["counted_at"]) == (2, now + timedelta(minutes=15))


def test_open_breached_is_the_last_backlog_counts(category, now):
    TicketFactory(category=category, sla_breached=True)
    TicketFactory(category=category, sla_breached=True, status="solved")  # not open: not counted
    TicketFactory(category=category)
    backlog_snapshot_take(now=now - timedelta(days=1))
    TicketFactory(category=category, sla_breached=True)
    backlog_snapshot_take(now=now)
    report = sla_report(since=now - timedelta(days=7), until=now + timedelta(hours=1))
    assert (report["open_breached_now"], report["open_breached_counted_at"]) == (2, now)


def test_open_breached_per_group_is_the_last_backlog_counts(category, other_category, now):
    TicketFactory(category=category, sla_breached=True)
    TicketFactory(category=other_category, sla_breached=True)
    TicketFactory(category=other_category, sla_breached=True)
    backlog_snapshot_take(now=now)
    report = sla_report(since=now - timedelta(days=7), until=now + timedelta(hours=1), group_by="category")
    rows = {row["key"]: row["open_breached_now"] for row in report["groups"]}
    assert rows == {category.code: 1, other_category.code: 2}


def test_open_breached_before_any_backlog_count_is_zero_and_uncounted(category, now):
    TicketFactory(category=category, sla_breached=True)
    report = sla_report(since=now - timedelta(days=7), until=now + timedelta(hours=1))
    assert (report["open_breached_now"], report["open_breached_counted_at"]) == (0, None)


def test_backlog_has_a_point_per_counted_day_only(category, now):
    TicketFactory(category=category)
    backlog_snapshot_take(now=now - timedelta(days=3))
    backlog_snapshot_take(now=now)
    backlog = sla_report(since=now - timedelta(days=7), until=now + timedelta(seconds=1))["backlog"]
    assert [point["date"] for point in backlog] == [
        (now - timedelta(days=3)).date().isoformat(),
        now.date().isoformat(),
    ]


def test_backlog_follows_the_scope(category, other_category, now):
    TicketFactory(category=category)
    TicketFactory(category=other_category)
    backlog_snapshot_take(now=now)
    report = sla_report(
        since=now - timedelta(days=1), until=now + timedelta(seconds=1), scope=Scope(category=category.pk)
    )
    assert [point["open"] for point in report["backlog"]] == [1]


def test_satisfaction_gives_the_average_and_the_distribution(category, now):
    for rating in (5, 5, 4, 1):
        ticket = TicketFactory(category=category, created_at=now - timedelta(days=2))
        Satisfaction.objects.create(ticket=ticket, rating=rating, created_at=now - timedelta(days=1), updated_at=now)
    satisfaction = sla_report(**period(now))["satisfaction"]
    assert satisfaction == {"responses": 4, "average": 3.75, "distribution": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 2}}


def test_api_breakdown_and_scope_by_codes(as_lead, answered, now):
    params = {**{k: v.isoformat() for k, v in period(now).items()}, "category": answered[0].category.code}
    report = as_lead.get(URL, {**params, "group_by": "priority"}).json()
    assert report["group_by"] == "priority"
    assert {row["key"]: row["tickets_created"] for row in report["groups"]} == {"urgent": 1, "normal": 2}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"group_by": "weather"}, "group_by"), ({"team": "nope"}, "team"), ({"priority": "asap"}, "priority")],
)
def test_api_refuses_an_unknown_breakdown_or_scope_with_the_field_named(as_lead, params, field):
    response = as_lead.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_csv_has_the_apis_numbers(as_lead, answered, now):
    params = {**{k: v.isoformat() for k, v in period(now).items()}, "group_by": "team"}
    report = as_lead.get(URL, params).json()
    response = as_lead.get(URL, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["key"] for row in rows] == ["", *(group["key"] for group in report["groups"])]
    for row, figures in zip(rows, [report, *report["groups"]], strict=True):
        assert int(row["tickets_created"]) == figures["tickets_created"]
        assert row["first_response_minutes_p50"] == str(figures["first_response_minutes"]["p50"])


def test_csv_backlog_has_a_row_per_day(as_lead, answered, now):
    params = {**{k: v.isoformat() for k, v in period(now).items()}, "format": "csv", "table": "backlog"}
    report = as_lead.get(URL, {k: v for k, v in params.items() if k not in ("format", "table")}).json()
    rows = list(csv.reader(io.StringIO(as_lead.get(URL, params).content.decode())))
    assert rows[0] == ["date", "open"]
    assert [[point["date"], str(point["open"])] for point in report["backlog"]] == rows[1:]


def test_agents_cannot_read_the_report_csv(api_client, agent):
    api_client.force_authenticate(agent)
    assert api_client.get(URL, {"format": "csv"}).status_code == 403


def test_a_running_breached_clock_counts_for_the_tickets_current_team(ticket, sla_policy, now):
    from sla.sweep import sla_sweep

    sla_ticket_created(ticket=ticket, now=now)
    sla_sweep(now=now + timedelta(hours=5))
    report = sla_report(since=now, until=now + timedelta(days=1), group_by="team")
    rows = {row["key"]: row["compliance"]["first_response"] for row in report["groups"]}
    assert (rows["payments"]["clocks"], rows["payments"]["breached"]) == (1, 1)
    assert report["compliance"]["first_response"]["breached"] == 1
