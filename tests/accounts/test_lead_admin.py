"""Leads configure the desk in the Django admin through the `lead` group's permissions, which a
migration creates (accounts/0002), not seed_demo."""

import pytest
from django.contrib.auth.models import Group


def test_the_lead_group_exists_with_its_permissions_after_migrating(db):
    codenames = set(Group.objects.get(name="lead").permissions.values_list("codename", flat=True))
    assert {"change_slapolicy", "add_slatarget", "change_businesscalendar", "add_holiday"} <= codenames
    assert {"change_escalationrule", "change_team", "change_category", "change_macro"} <= codenames
    assert {"change_article", "change_incident", "change_officialcontact", "change_assetthreshold"} <= codenames
    assert {"view_ticket", "view_ticketevent", "view_outboxmessage"} <= codenames
    assert "change_ticket" not in codenames and "delete_ticketevent" not in codenames


@pytest.mark.parametrize(
    "url",
    ["/admin/sla/slapolicy/", "/admin/sla/slapolicy/add/", "/admin/sla/businesscalendar/", "/admin/tickets/macro/"],
)
def test_the_lead_can_open_the_configuration_in_the_admin(lead_client, url):
    assert lead_client.get(url).status_code == 200


def test_the_lead_can_read_but_not_edit_tickets_in_the_admin(lead_client, ticket):
    assert lead_client.get("/admin/tickets/ticket/").status_code == 200
    assert lead_client.get("/admin/tickets/ticket/add/").status_code == 403


def test_an_agent_cannot_open_the_sla_policies_in_the_admin(client, agent):
    client.force_login(agent)
    response = client.get("/admin/sla/slapolicy/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
