import pytest

from sla.models import BusinessCalendar, EscalationStep, Metric, SlaPolicy
from tickets.models import TicketEvent

POLICIES = "/api/v1/sla/policies/"
CALENDARS = "/api/v1/sla/calendars/"
RULES = "/api/v1/sla/escalation-rules/"


@pytest.fixture
def as_lead(api_client, lead):
    api_client.force_authenticate(lead)
    return api_client


@pytest.mark.parametrize("url", [POLICIES, CALENDARS, RULES, "/api/v1/reports/sla/"])
@pytest.mark.parametrize(("role", "code"), [("customer", 403), ("agent", 403), ("lead", 200), ("admin_user", 200)])
def test_only_leads_and_admins_read_sla_configuration(api_client, request, url, role, code, sla_policy):
    api_client.force_authenticate(request.getfixturevalue(role))
    assert api_client.get(url).status_code == code


def test_anonymous_gets_401(api_client):
    assert api_client.get(POLICIES).status_code == 401


def test_agent_cannot_create_a_policy(api_client, agent, sla_policy):
    api_client.force_authenticate(agent)
    response = api_client.post(POLICIES, {"name": "x", "calendar": sla_policy.calendar_id}, format="json")
    assert response.status_code == 403


def test_lead_creates_a_business_hours_calendar(as_lead):
    response = as_lead.post(
        CALENDARS,
        {
            "name": "Berlin office",
            "time_zone": "Europe/Berlin",
            "is_24x7": False,
            "intervals": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
            "holidays": [{"date": "2026-12-25", "name": "Christmas"}],
        },
        format="json",
    )
    assert response.status_code == 201
    assert len(response.json()["intervals"]) == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "x", "is_24x7": False}, "intervals"),
        ({"name": "x", "is_24x7": False, "intervals": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}, "intervals"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
    ids=["unknown_time_zone", "business_hours_without_hours", "end_before_start", "unknown_field"],
)
def test_bad_calendar_is_a_400(as_lead, payload, field):
    response = as_lead.post(CALENDARS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_lead_creates_a_complaint_policy_with_targets(as_lead, sla_policy):
    response = as_lead.post(
        POLICIES,
        {
            "name": "Formal complaints (UK DISP)",
            "position": 1,
            "calendar": sla_policy.calendar_id,
            "is_complaint": True,
            "targets": [
                {"metric": "resolution", "priority": p, "minutes": 8 * 7 * 24 * 60} for p in ["normal", "high"]
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    assert SlaPolicy.objects.get(name__startswith="Formal").targets.count() == 2


@pytest.mark.parametrize(
    "targets",
    [
        [{"metric": "resolution", "priority": "normal", "minutes": 0}],
        [{"metric": "resolution", "priority": "normal", "minutes": 5}] * 2,
        [{"metric": "speed", "priority": "normal", "minutes": 5}],
    ],
    ids=["zero_minutes", "duplicate_target", "unknown_metric"],
)
def test_bad_targets_are_a_400(as_lead, sla_policy, targets):
    response = as_lead.post(
        POLICIES, {"name": "bad", "calendar": sla_policy.calendar_id, "targets": targets}, format="json"
    )
    assert response.status_code == 400
    assert "targets" in response.json()


def test_ladder_steps_must_increase(as_lead, sla_policy):
    response = as_lead.post(
        RULES,
        {"policy": sla_policy.pk, "metric": "periodic_update", "steps": [{"percent": 100}, {"percent": 75}]},
        format="json",
    )
    assert response.status_code == 400
    assert "steps" in response.json()


def test_second_ladder_for_the_same_metric_is_a_400(as_lead, sla_policy):
    response = as_lead.post(RULES, {"policy": sla_policy.pk, "metric": "first_response"}, format="json")
    assert response.status_code == 400


def test_editing_a_ladder_keeps_steps_that_already_fired(as_lead, sla_policy):
    rule = sla_policy.escalation_rules.get(metric=Metric.FIRST_RESPONSE)
    kept = rule.steps.get(percent=100)
    response = as_lead.patch(
        f"{RULES}{rule.pk}/",
        {"steps": [{"percent": 100, "notify_leads_and_admins": True}, {"percent": 300, "raise_priority": True}]},
        format="json",
    )
    assert response.status_code == 200
    assert EscalationStep.objects.filter(pk=kept.pk, notify_leads_and_admins=True).exists()
    assert sorted(rule.steps.values_list("percent", flat=True)) == [100, 300]


def test_webhook_secret_is_never_returned(as_lead, sla_policy):
    response = as_lead.post(
        RULES,
        {
            "policy": sla_policy.pk,
            "metric": "periodic_update",
            "steps": [{"percent": 100, "webhook_url": "https://x.example/h", "webhook_secret": "s3cret"}],
        },
        format="json",
    )
    step = response.json()["steps"][0]
    assert "webhook_secret" not in step
    assert step["webhook_signed"] is True


def test_calendar_in_use_cannot_be_deleted(as_lead, sla_policy):
    response = as_lead.delete(f"{CALENDARS}{sla_policy.calendar_id}/")
    assert response.status_code == 409
    assert BusinessCalendar.objects.filter(pk=sla_policy.calendar_id).exists()


def test_configuration_changes_are_logged(as_lead, lead, sla_policy):
    from django.contrib.admin.models import LogEntry

    as_lead.patch(f"{POLICIES}{sla_policy.pk}/", {"position": 5}, format="json")
    assert LogEntry.objects.filter(user=lead, object_id=str(sla_policy.pk)).exists()


def test_policy_edit_through_the_api_recomputes_due_times(
    as_lead, ticket, sla_policy, now, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from sla.services import sla_ticket_created

    sla_ticket_created(ticket=ticket, now=now)
    targets = [
        {
            "metric": t.metric,
            "priority": t.priority,
            "minutes": 30 if (t.metric, t.priority) == ("first_response", "normal") else t.minutes,
        }
        for t in sla_policy.targets.all()
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_lead.patch(f"{POLICIES}{sla_policy.pk}/", {"targets": targets}, format="json")
    assert response.status_code == 200
    assert ticket.sla_clocks.get(metric="first_response").due_at == now + timedelta(minutes=30)


def test_report_counts_compliance_and_breaches(as_lead, ticket, sla_policy, now):
    from datetime import timedelta

    from sla.services import sla_ticket_created
    from sla.sweep import sla_sweep

    sla_ticket_created(ticket=ticket, now=now)
    sla_sweep(now=now + timedelta(hours=5))
    report = as_lead.get(
        "/api/v1/reports/sla/",
        {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(days=1)).isoformat()},
    ).json()
    assert report["compliance"]["first_response"] == {"clocks": 1, "met": 0, "breached": 1, "compliance_percent": 0.0}
    assert report["breaches_by_team"] == {"payments": 1}
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 1


def test_report_with_until_before_since_is_a_400(as_lead):
    response = as_lead.get("/api/v1/reports/sla/", {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"})
    assert response.status_code == 400
