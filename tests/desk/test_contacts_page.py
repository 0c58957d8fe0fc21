"""The desk's official-contacts page: for leads and admins, drawn from official-contacts/."""

import pytest

from accounts.models import Role
from tests.factories import AgentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

PAGE = "/desk/contacts/"


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_leads_and_admins_get_the_contacts_page(client, role):
    client.force_login(AgentFactory(role=role))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b"desk/contacts.js" in response.content


def test_the_page_offers_every_channel(client):
    client.force_login(AgentFactory(role=Role.LEAD))
    content = client.get(PAGE).content.decode()
    for channel in ("email", "domain", "phone", "telegram"):
        assert f'<option value="{channel}">' in content


def test_an_agent_gets_a_403_page_that_says_who_keeps_the_list(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    response = client.get(PAGE)
    assert response.status_code == 403
    assert b'href="/desk/"' in response.content
    assert b"team leads and admins keep the list" in response.content
    assert b"desk/contacts.js" not in response.content


def test_a_customer_gets_the_staff_only_403_page(client):
    client.force_login(CustomerFactory())
    response = client.get(PAGE)
    assert response.status_code == 403
    assert b"desk/contacts.js" not in response.content


def test_anonymous_visitor_logs_in_first(client):
    assert client.get(PAGE)["Location"] == "/login/?next=/desk/contacts/"


def test_only_leads_see_the_contacts_link(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    assert b'id="nav-contacts"' not in client.get("/desk/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'id="nav-contacts"' in client.get("/desk/").content
