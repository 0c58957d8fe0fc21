"""The desk's reports page: for leads and admins, drawn from GET reports/sla/."""

import pytest

from accounts.models import Role
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_leads_and_admins_get_the_reports_page(client, role):
    client.force_login(AgentFactory(role=role))
    response = client.get("/desk/reports/")
    assert response.status_code == 200
    assert b"desk/reports.js" in response.content


def test_an_agent_gets_a_403_page_that_leads_back_to_the_queue(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    response = client.get("/desk/reports/")
    assert response.status_code == 403
    assert b'href="/desk/"' in response.content
    assert b"desk/reports.js" not in response.content


def test_anonymous_visitor_logs_in_first(client):
    assert client.get("/desk/reports/")["Location"] == "/login/?next=/desk/reports/"


def test_only_leads_see_the_reports_link(client):
    client.force_login(AgentFactory(role=Role.AGENT))
    assert b'id="nav-reports"' not in client.get("/desk/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'id="nav-reports"' in client.get("/desk/").content
