"""Bulk export of customer data is for admins only (issue 12, item 6): the Django admin's lists of
every customer's e-mail address and exchange UID open to admins, never to leads or agents, whatever
model permissions their group was given."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import Role
from accounts.roles import may_export_customer_data
from tests.factories import AgentFactory

CUSTOMER_LISTS = ["/admin/accounts/user/", "/admin/accounts/customerprofile/"]


@pytest.fixture
def lead_with_user_permissions(db):
    """A lead whose group was also given every permission on users and customer profiles."""
    lead = AgentFactory(username="lead", role=Role.LEAD)
    permissions = Permission.objects.filter(
        content_type__app_label="accounts", content_type__model__in=["user", "customerprofile"]
    )
    Group.objects.get(name="lead").permissions.add(*permissions)
    return lead


@pytest.mark.parametrize("url", CUSTOMER_LISTS)
def test_the_admin_may_list_customers_data_in_the_admin(client, admin_user, customer, url):
    client.force_login(admin_user)

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", CUSTOMER_LISTS)
def test_a_lead_may_not_list_customers_data_even_with_the_permissions(lead_with_user_permissions, customer, url):
    client = Client()
    client.force_login(lead_with_user_permissions)

    assert client.get(url).status_code == 403


def test_the_admin_index_does_not_offer_the_customer_lists_to_a_lead(lead_with_user_permissions):
    client = Client()
    client.force_login(lead_with_user_permissions)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert b"/admin/accounts/user/" not in response.content


@pytest.mark.parametrize(
    ("role", "allowed"), [("agent", False), ("lead", False), ("admin_user", True), ("customer", False)]
)
def test_only_admins_may_export_customer_data(request, role, allowed):
    assert may_export_customer_data(request.getfixturevalue(role)) is allowed
