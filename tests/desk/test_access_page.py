"""The desk's access log page and the workspace's reveal and "who opened it" controls (issue 12,
item 6): the page is for leads and admins, drawn from GET staff-access/ and staff-access/reveals/."""

import pytest

from accounts.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_leads_and_admins_get_the_access_log_page(client, role):
    client.force_login(AgentFactory(role=role))

    response = client.get("/desk/access/")

    assert response.status_code == 200
    assert b"desk/access.js" in response.content


def test_an_agent_gets_a_403_page_for_the_access_log(client):
    client.force_login(AgentFactory(role=Role.AGENT))

    response = client.get("/desk/access/")

    assert response.status_code == 403
    assert b'href="/desk/"' in response.content
    assert b"desk/access.js" not in response.content


def test_anonymous_visitor_logs_in_before_the_access_log(client):
    assert client.get("/desk/access/")["Location"] == "/login/?next=/desk/access/"


def test_only_leads_see_the_access_log_link(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    assert b'id="nav-access"' not in client.get("/desk/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'id="nav-access"' in client.get("/desk/").content


def test_every_staff_member_gets_the_reveal_control_in_the_workspace(client, ticket):
    client.force_login(AgentFactory(role=Role.AGENT))

    content = client.get(f"/desk/tickets/{ticket.reference}/").content

    assert b'id="reveal-button"' in content and b'id="reveal-reason"' in content


def test_only_leads_get_the_who_opened_it_drawer_in_the_workspace(client, ticket):
    client.force_login(AgentFactory(role=Role.AGENT))
    assert b'id="access-button"' not in client.get(f"/desk/tickets/{ticket.reference}/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'id="access-button"' in client.get(f"/desk/tickets/{ticket.reference}/").content
