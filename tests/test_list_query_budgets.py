"""Query budgets as numbers (issue 11 item 9) for the lists that had none: help articles,
incidents, macros and the SLA configuration. Each list is measured with a few rows and with
many, and must cost the same fixed number of queries both times."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident
from knowledge.models import Article
from sla.models import BusinessCalendar, EscalationRule, EscalationStep, Metric, SlaPolicy, SlaTarget
from tests.factories import MacroFactory, TicketFactory

pytestmark = pytest.mark.django_db


def count(client: APIClient, url: str, params: dict | None = None) -> int:
    user = client.handler._force_user
    if user is not None:  # a fresh user per request, as in production (the role is cached on it)
        client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:200]
    return len(context.captured_queries)


@pytest.fixture
def as_lead(lead):
    client = APIClient()
    client.force_authenticate(lead)
    return client


def articles(category, n: int) -> None:
    for index in range(n):
        Article.objects.create(
            slug=f"withdrawal-{n}-{index}",
            title=f"Withdrawal delayed {index}",
            body="Check the network status first.",
            category=category,
            is_published=True,
        )


def incidents(category, n: int) -> None:
    for index in range(n):
        incident = Incident.objects.create(
            title=f"BTC withdrawals delayed {index}", message="We are on it.", started_at=timezone.now()
        )
        incident.categories.add(category)


def policies(n: int) -> None:
    calendar = BusinessCalendar.objects.create(name=f"Office {n}", time_zone="UTC")
    for index in range(n):
        policy = SlaPolicy.objects.create(name=f"Policy {n}-{index}", position=100 + index, calendar=calendar)
        for priority in ("urgent", "normal"):
            SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, priority=priority, minutes=60)
        rule = EscalationRule.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE)
        EscalationStep.objects.create(rule=rule, percent=100, notify_team_lead=True)


# Fixed counts: (url, query, queries). The lists are public (articles, incidents) or the lead's.
ARTICLES_QUERIES = 2  # count, page (category joined)
INCIDENTS_QUERIES = 3  # incidents, their categories and their updates (prefetched)
MACRO_QUERIES = 3  # role, count, page


def test_help_articles_cost_the_same_with_many(api_client, category):
    articles(category, 30)
    few = count(api_client, "/api/v1/articles/", {"q": "withdrawal"})
    articles(category, 60)
    assert count(api_client, "/api/v1/articles/", {"q": "withdrawal"}) == few == ARTICLES_QUERIES


def test_active_incidents_cost_the_same_with_many(api_client, category):
    incidents(category, 3)
    few = count(api_client, "/api/v1/incidents/", {"active": "true"})
    incidents(category, 30)
    assert count(api_client, "/api/v1/incidents/", {"active": "true"}) == few == INCIDENTS_QUERIES


def test_macros_cost_the_same_with_many(as_lead, lead, payments):
    MacroFactory.create_batch(30, team=payments)  # a full first page, then more behind it
    few = count(as_lead, "/api/v1/macros/")
    MacroFactory.create_batch(60, team=payments)
    assert count(as_lead, "/api/v1/macros/") == few == MACRO_QUERIES


@pytest.mark.parametrize("url", ["/api/v1/sla/policies/", "/api/v1/sla/calendars/", "/api/v1/sla/escalation-rules/"])
def test_sla_configuration_lists_cost_the_same_with_many(as_lead, sla_policy, url):
    policies(1)
    few = count(as_lead, url)
    policies(12)
    assert count(as_lead, url) == few


def test_sla_configuration_budgets_are_fixed_numbers(as_lead, sla_policy):
    policies(3)
    assert {
        "policies": count(as_lead, "/api/v1/sla/policies/"),
        "calendars": count(as_lead, "/api/v1/sla/calendars/"),
        "escalation-rules": count(as_lead, "/api/v1/sla/escalation-rules/"),
    } == SLA_CONFIG_QUERIES


def test_sla_report_costs_a_fixed_number_of_queries(as_lead, sla_policy, category):
    until = timezone.now()
    for minutes in range(1, 40):  # answered and solved tickets, all in the period, one team
        created = until - timedelta(days=2, minutes=minutes)
        TicketFactory(
            category=category,
            created_at=created,
            first_response_at=created + timedelta(minutes=minutes),
            solved_at=created + timedelta(hours=minutes),
            status="solved",
        )
    params = {"since": (until - timedelta(days=30)).isoformat(), "until": until.isoformat()}
    assert count(as_lead, "/api/v1/reports/sla/", params) == REPORT_QUERIES[connection.vendor]
    assert (
        count(as_lead, "/api/v1/reports/sla/", {**params, "group_by": "team"})
        == GROUPED_REPORT_QUERIES[connection.vendor]
    )


# Role, count, page, and two prefetches each (policies: categories, targets; calendars: intervals,
# holidays; escalation rules: steps, their users).
SLA_CONFIG_QUERIES = {"policies": 5, "calendars": 5, "escalation-rules": 5}
# PostgreSQL: role, savepoint, work_mem, jit, parallel workers, two percentile sets, compliance
# (fulfilled, breached only), breaches, tickets created, open breached at the last backlog count,
# backlog, satisfaction, release; a breakdown by team also reads the teams' labels. On SQLite the
# percentiles are read by rank: a count and two rows per percentile, per measure and per group
# (here one team), so 4 + 2 x 5 ranked reads + the rest.
REPORT_QUERIES = {"sqlite": 18, "postgresql": 15}
GROUPED_REPORT_QUERIES = {"sqlite": 31, "postgresql": 16}
