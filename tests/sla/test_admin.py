"""The SLA policy admin for a lead: ticked boxes and days/hours/minutes in the form, the API's
service (sla.config.policy_save) behind the save, one LogEntry; the ticket admin's amounts."""

import json
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from sla.models import BusinessCalendar, SlaPolicy
from sla.services import PolicyFacts, policy_matches
from tests.factories import TicketFactory

ADD = "/admin/sla/slapolicy/add/"


@pytest.fixture
def calendar(db):
    return BusinessCalendar.objects.create(name="Always")


def policy_post(calendar: BusinessCalendar, *, targets: list[dict] = (), **fields) -> dict:
    data = {
        "name": "VIP",
        "position": "10",
        "is_active": "on",
        "calendar": str(calendar.pk),
        "is_complaint": "unknown",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for index, target in enumerate(targets):
        for name, value in target.items():
            data[f"targets-{index}-{name}"] = value
    data.update(fields)
    return data


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_a_target_entered_in_hours_and_minutes_is_stored_in_minutes(lead_client, calendar):
    target = {"metric": "first_response", "priority": "urgent", "minutes_hours": "4", "minutes_minutes": "30"}
    response = lead_client.post(ADD, policy_post(calendar, targets=[target]))
    assert response.status_code == 302, response.context and form_errors(response)
    assert list(SlaPolicy.objects.get(name="VIP").targets.values_list("minutes", flat=True)) == [270]


def test_a_target_in_days_counts_whole_days_of_minutes(lead_client, calendar):
    target = {"metric": "resolution", "priority": "normal", "minutes_days": "3", "minutes_hours": "2"}
    lead_client.post(ADD, policy_post(calendar, targets=[target]))
    assert SlaPolicy.objects.get(name="VIP").targets.get().minutes == 3 * 1440 + 120


def test_a_zero_target_is_refused(lead_client, calendar):
    target = {"metric": "resolution", "priority": "normal", "minutes_hours": "0", "minutes_minutes": "0"}
    response = lead_client.post(ADD, policy_post(calendar, targets=[target]))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["minutes"] == [
        "A target must be at least one minute."
    ]
    assert not SlaPolicy.objects.filter(name="VIP").exists()


def test_the_change_form_shows_a_stored_target_as_days_hours_and_minutes(lead_client, calendar):
    policy = SlaPolicy.objects.create(name="VIP", calendar=calendar)
    policy.targets.create(metric="resolution", priority="normal", minutes=3 * 1440 + 125)
    html = lead_client.get(f"/admin/sla/slapolicy/{policy.pk}/change/").content.decode()
    assert 'name="targets-0-minutes_days" value="3"' in html
    assert 'name="targets-0-minutes_hours" value="2"' in html
    assert 'name="targets-0-minutes_minutes" value="5"' in html


def test_an_unknown_tier_is_refused_on_the_tier_field_with_the_services_message(lead_client, calendar):
    response = lead_client.post(ADD, policy_post(calendar, tiers=["standard", "platinum"]))
    assert response.status_code == 200
    assert form_errors(response)["tiers"] == ["Unknown tier."]
    assert not SlaPolicy.objects.filter(name="VIP").exists()


def test_ticked_conditions_and_pauses_are_stored_as_the_apis_lists(lead_client, calendar):
    data = policy_post(
        calendar,
        priorities=["urgent", "high"],
        tiers=["vip"],
        pause_statuses_resolution=["pending_customer", "on_hold"],
    )
    lead_client.post(ADD, data)
    policy = SlaPolicy.objects.get(name="VIP")
    assert (policy.priorities, policy.tiers, policy.channels) == (["urgent", "high"], ["vip"], [])
    assert policy.pause_statuses == {
        "first_response": [],
        "next_response": [],
        "periodic_update": [],
        "resolution": ["pending_customer", "on_hold"],
    }


def test_no_tier_ticked_stores_an_empty_list_that_matches_any_tier(lead_client, calendar):
    lead_client.post(ADD, policy_post(calendar))
    policy = SlaPolicy.objects.get(name="VIP")
    assert policy.tiers == []
    for tier in ("standard", "vip"):
        facts = PolicyFacts(category_id=1, priority="normal", tier=tier, channel="web", is_complaint=False)
        assert policy_matches(policy, facts)


def test_the_form_explains_empty_lists_and_position(lead_client):
    html = lead_client.get(ADD).content.decode()
    assert "Tick none to match any ticket." in html
    assert "Policies are tried in this order, lowest number first." in html


def test_an_admin_save_writes_one_log_entry_with_the_admins_change_message(lead_client, lead, calendar):
    lead_client.post(ADD, policy_post(calendar))
    policy = SlaPolicy.objects.get(name="VIP")
    entry = LogEntry.objects.get(object_id=str(policy.pk))
    assert (entry.user, entry.action_flag, json.loads(entry.change_message)) == (lead, ADDITION, [{"added": {}}])

    data = policy_post(calendar, name="VIP", position="20")
    lead_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", data)
    change = LogEntry.objects.filter(object_id=str(policy.pk)).latest("pk")
    assert LogEntry.objects.filter(object_id=str(policy.pk)).count() == 2
    assert change.action_flag == CHANGE
    assert json.loads(change.change_message) == [{"changed": {"fields": ["Position"]}}]


def test_the_changelists_render_for_the_demo_lead(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client()
    client.force_login(User.objects.get(username="lead"))  # django-axes wants a request to log in
    for url in ("/admin/sla/slapolicy/", "/admin/tickets/ticket/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "0000000000" not in response.content.decode(), url


def test_ticket_amounts_render_without_trailing_zeros(lead_client, ticket):
    ticket.amount, ticket.asset = Decimal("0.25"), "BTC"
    ticket.save(update_fields=["amount", "asset"])
    for url in ("/admin/tickets/ticket/", f"/admin/tickets/ticket/{ticket.pk}/change/"):
        html = lead_client.get(url).content.decode()
        assert "0.25 BTC" in html, url
        assert "0.250000" not in html, url


def test_a_whole_amount_renders_as_an_integer_not_an_exponent(lead_client, customer, category):
    TicketFactory(requester=customer, category=category, amount=Decimal("100"), asset="USDT")
    html = lead_client.get("/admin/tickets/ticket/").content.decode()
    assert "100 USDT" in html and "1E+2" not in html


def test_the_target_rows_controls_have_accessible_names(lead_client, calendar):
    policy = SlaPolicy.objects.create(name="VIP", calendar=calendar)
    policy.targets.create(metric="resolution", priority="normal", minutes=60)
    html = lead_client.get(f"/admin/sla/slapolicy/{policy.pk}/change/").content.decode()
    for name in ("Metric", "Priority", "Delete this target"):
        assert f'aria-label="{name}"' in html
