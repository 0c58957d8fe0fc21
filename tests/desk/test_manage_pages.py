"""The desk pages for saved views and macros (issue 10): who may open them, what they offer."""

import pytest

from accounts.models import Role
from tests.factories import AgentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_staff_get_the_macros_page_linked_from_the_navigation(client):
    client.force_login(AgentFactory())
    response = client.get("/desk/macros/")
    assert response.status_code == 200
    assert b"desk/macros.js" in response.content
    assert b'id="nav-macros"' in client.get("/desk/").content


def test_customer_gets_a_403_on_the_macros_page(client):
    client.force_login(CustomerFactory())
    response = client.get("/desk/macros/")
    assert response.status_code == 403
    assert b"desk/macros.js" not in response.content


def test_anonymous_visitor_of_the_macros_page_logs_in_first(client):
    assert client.get("/desk/macros/")["Location"] == "/login/?next=/desk/macros/"


def test_agent_is_offered_personal_macros_only(client):
    client.force_login(AgentFactory())
    content = client.get("/desk/macros/").content.decode()
    assert "Only me (personal)" in content
    assert "Every team" not in content


def test_lead_is_offered_shared_macros(client):
    client.force_login(AgentFactory(role=Role.LEAD))
    assert "Every team" in client.get("/desk/macros/").content.decode()


def test_queue_tells_the_page_whether_the_agent_may_share_views(client):
    client.force_login(AgentFactory())
    assert b'data-can-share="false"' in client.get("/desk/").content
    client.force_login(AgentFactory(role=Role.LEAD))
    assert b'data-can-share="true"' in client.get("/desk/").content
