"""The desk's complaints register page (issue 13, item 2): for leads and admins, drawn from
GET complaints/ and reports/complaints/, with the report's CSV link."""

import pytest

from accounts.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_leads_and_admins_get_the_complaints_page(client, role):
    client.force_login(AgentFactory(role=role))
    response = client.get("/desk/complaints/")
    assert response.status_code == 200
    assert b"desk/complaints.js" in response.content
    assert b"/api/v1/reports/complaints/?format=csv" in response.content


def test_an_agent_gets_a_403_page_for_the_complaints_register(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    response = client.get("/desk/complaints/")
    assert response.status_code == 403
    assert b"desk/complaints.js" not in response.content


def test_only_leads_see_the_complaints_link(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    assert b'id="nav-complaints"' not in client.get("/desk/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'id="nav-complaints"' in client.get("/desk/").content
