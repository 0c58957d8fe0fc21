"""/verify/ ("Is this really us?"): what the page needs to answer a contact that is not ours."""

import pytest

from tests.factories import CustomerFactory, OfficialContactFactory

pytestmark = pytest.mark.django_db


def test_logged_out_visitor_reports_a_fake_contact_through_the_contact_choice(client):
    response = client.get("/verify/")

    assert response.status_code == 200
    assert b'data-report-url="/contact/?category=account_compromised"' in response.content


def test_customer_reports_a_fake_contact_as_a_ticket_for_the_security_team(client):
    client.force_login(CustomerFactory())

    assert b'data-report-url="/tickets/new/?category=account_compromised"' in client.get("/verify/").content


def test_page_offers_the_emergency_path_for_who_already_shared_something(client):
    assert b'data-emergency-url="/emergency/"' in client.get("/verify/").content


def test_not_official_answer_carries_our_contacts_of_that_kind_to_compare(client):
    OfficialContactFactory(channel="phone", value="18005550199", label="Support hotline")
    OfficialContactFactory(channel="phone", value="18005550100", is_active=False)

    body = client.post(
        "/api/v1/verify-contact/", {"contact": "+1 800 555 0111"}, content_type="application/json"
    ).json()

    assert body["official"] is False
    assert body["official_contacts"] == [{"channel": "phone", "value": "18005550199", "label": "Support hotline"}]
