"""The desk's page shells: who may open them, what they load, in which language."""

import json
import re

import pytest

from tests.factories import AgentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_log_in_and_back(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/desk/"


def test_anonymous_visitor_of_a_ticket_page_comes_back_to_that_ticket(client):
    response = client.get("/desk/tickets/SD-AAAA-BBBB-CCCC/")
    assert response["Location"] == "/login/?next=/desk/tickets/SD-AAAA-BBBB-CCCC/"


def test_customer_gets_a_403_page_that_leads_to_the_portal(client):
    client.force_login(CustomerFactory())
    response = client.get("/desk/")
    assert response.status_code == 403
    assert b'href="/tickets/"' in response.content
    assert b"desk/queue.js" not in response.content


def test_customer_cannot_open_a_ticket_page_either(client):
    client.force_login(CustomerFactory())
    assert client.get("/desk/tickets/SD-AAAA-BBBB-CCCC/").status_code == 403


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_staff_get_the_queue_page(client, role):
    from accounts.models import Role

    client.force_login(AgentFactory(role=Role.LEAD if role == "lead" else Role.AGENT))
    response = client.get("/desk/")
    assert response.status_code == 200
    assert b'src="/static/desk/queue.js"' in response.content
    assert "csrftoken" in response.cookies  # the page's POSTs need it


def test_desk_pages_are_never_cached(client):
    client.force_login(AgentFactory())
    assert "no-store" in client.get("/desk/")["Cache-Control"]


def test_ticket_page_passes_the_reference_to_its_script(client):
    client.force_login(AgentFactory())
    response = client.get("/desk/tickets/SD-AAAA-BBBB-CCCC/")
    assert response.status_code == 200
    assert b'data-reference="SD-AAAA-BBBB-CCCC"' in response.content
    assert b'src="/static/desk/ticket.js"' in response.content


def test_a_reference_outside_the_api_alphabet_is_a_404(client):
    client.force_login(AgentFactory())
    assert client.get("/desk/tickets/<script>/").status_code == 404


@pytest.mark.parametrize("path", ["/desk/", "/desk/tickets/SD-AAAA-BBBB-CCCC/"])
def test_pages_have_no_inline_script(client, path):
    """The CSP allows script only from 'self': every <script> must have a src (or be a JSON data
    block, which a browser never runs: the embedded reference data)."""
    client.force_login(AgentFactory())
    html = client.get(path).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts), scripts
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handlers


def test_desk_follows_the_browsers_language(client):
    client.force_login(AgentFactory())
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_desk_is_english_by_default(client):
    client.force_login(AgentFactory())
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en">' in response.content.decode()


def test_the_language_switch_choice_wins_over_the_browser(client):
    client.force_login(AgentFactory())
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/desk/"})
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.parametrize("path", ["/desk/", "/desk/tickets/SD-AAAA-BBBB-CCCC/"])
def test_pages_embed_the_reference_data_the_api_answers(client, path, payments, general):
    from rest_framework.test import APIClient

    from accounts.models import Role
    from tests.factories import CategoryFactory, MacroFactory

    agent = AgentFactory(teams=[payments])
    AgentFactory(role=Role.LEAD)
    CategoryFactory(code="deposit_missing", default_team=payments)
    MacroFactory(team=payments)
    MacroFactory(team=general)  # another team's macro: neither the API nor the page shows it
    MacroFactory(team=None)
    client.force_login(agent)
    html = client.get(path).content.decode()
    embedded = json.loads(
        re.search(r'<script id="desk-reference-data" type="application/json">(.*?)</script>', html).group(1)
    )
    api = APIClient()
    api.force_authenticate(agent)
    answers = {
        name: api.get(f"/api/v1/{name}/").json() for name in ("macros", "teams", "agents", "categories", "networks")
    }
    answers["macros"] = answers["macros"]["results"]  # the page uses the first page
    assert embedded == answers
    assert len(embedded["macros"]) == 2


def test_ticket_page_has_the_complaint_panel_and_the_incident_card(client):
    """Drawn by complaint.js and ticket-incident.js from the ticket's detail (is_complaint,
    incident) and the complaint API; the shell gives them their places and dialogs."""
    client.force_login(AgentFactory())
    html = client.get("/desk/tickets/SD-AAAA-BBBB-CCCC/").content.decode()
    assert 'id="complaint-panel" data-complaint-panel' in html
    assert 'id="complaint-dialog"' in html and 'id="complaint-form"' in html
    assert 'data-incident-card data-incidents-url="/desk/incidents/"' in html
    assert 'id="incident-dialog"' in html and 'id="incident-choices"' in html
    assert 'href="/static/desk/ticket-panels.css"' in html
