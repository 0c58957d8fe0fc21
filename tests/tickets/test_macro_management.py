"""Macros managed in the desk (issue 10, item 4): scopes, who writes which, the preview, the admin."""

import pytest

from tests.factories import AgentFactory, MacroFactory
from tickets import macros, services
from tickets.exceptions import TicketForbidden
from tickets.models import Macro, Ticket

MACROS = "/api/v1/macros/"


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


@pytest.fixture
def as_lead(api_client, lead):
    api_client.force_authenticate(lead)
    return api_client


# --- the rule, in the service layer -------------------------------------------------------------------


def test_agent_creates_a_personal_macro(agent):
    macro = macros.macro_create(
        actor=agent, name="Mine", body="x", internal=False, set_status="", set_priority="", team=None, scope="personal"
    )
    assert (macro.owner, macro.team) == (agent, None)


def test_agent_cannot_create_a_team_macro_even_for_their_team(agent, payments):
    with pytest.raises(TicketForbidden):
        macros.macro_create(
            actor=agent, name="x", body="y", internal=False, set_status="", set_priority="", team=payments
        )


def test_lead_creates_a_team_macro(lead, payments):
    macro = macros.macro_create(
        actor=lead, name="x", body="y", internal=False, set_status="", set_priority="", team=payments
    )
    assert macros.macro_scope(macro) == "team"


def test_agent_cannot_edit_another_agents_personal_macro(agent, other_agent):
    macro = MacroFactory(owner=other_agent)
    with pytest.raises(TicketForbidden):
        macros.macro_update(macro=macro, actor=agent, changes={"name": "mine"})


def test_agent_cannot_turn_a_personal_macro_into_a_team_one(agent, payments):
    macro = MacroFactory(owner=agent)
    with pytest.raises(TicketForbidden):
        macros.macro_update(macro=macro, actor=agent, changes={"scope": "team", "team": payments})


def test_another_agents_personal_macro_cannot_be_applied(ticket, agent, other_agent, now):
    macro = MacroFactory(owner=other_agent)
    with pytest.raises(TicketForbidden):
        services.macro_apply(ticket=ticket, macro=macro, actor=agent, now=now)


# --- the API ---------------------------------------------------------------------------------------


def test_agent_creates_a_personal_macro_through_the_api(as_agent, agent):
    response = as_agent.post(MACROS, {"name": "Mine", "body": "Hi {customer_name}", "scope": "personal"})
    assert response.status_code == 201, response.content
    assert response.json()["scope"] == "personal"
    assert response.json()["can_edit"] is True
    assert Macro.objects.get().owner == agent


def test_agent_team_macro_is_a_403(as_agent, payments):
    response = as_agent.post(MACROS, {"name": "x", "body": "y", "scope": "team", "team": "payments"})
    assert response.status_code == 403
    assert not Macro.objects.exists()


def test_list_hides_other_agents_personal_macros(as_agent, agent, other_agent):
    MacroFactory(owner=agent, name="mine")
    MacroFactory(owner=other_agent, name="theirs")
    MacroFactory(name="everyone")
    names = {row["name"] for row in as_agent.get(MACROS).json()["results"]}
    assert names == {"mine", "everyone"}


def test_lead_does_not_see_agents_personal_macros(as_lead, agent):
    MacroFactory(owner=agent)
    assert as_lead.get(MACROS).json()["results"] == []


def test_another_agents_personal_macro_is_a_404(as_agent, other_agent):
    macro = MacroFactory(owner=other_agent)
    assert as_agent.get(f"{MACROS}{macro.pk}/").status_code == 404
    assert as_agent.patch(f"{MACROS}{macro.pk}/", {"name": "x"}).status_code == 404
    assert as_agent.delete(f"{MACROS}{macro.pk}/").status_code == 404


def test_agent_cannot_edit_a_shared_macro(as_agent):
    macro = MacroFactory()
    response = as_agent.patch(f"{MACROS}{macro.pk}/", {"name": "renamed"})
    assert response.status_code == 403
    assert Macro.objects.get(pk=macro.pk).name == macro.name


def test_agent_edits_their_personal_macro(as_agent, agent):
    macro = MacroFactory(owner=agent)
    response = as_agent.patch(f"{MACROS}{macro.pk}/", {"body": "New text", "set_status": "solved"})
    assert response.status_code == 200
    macro.refresh_from_db()
    assert (macro.body, macro.set_status, macro.updated_by) == ("New text", "solved", agent)


def test_lead_edits_a_team_macro(as_lead, payments):
    macro = MacroFactory(team=payments)
    assert as_lead.patch(f"{MACROS}{macro.pk}/", {"set_priority": "high"}).status_code == 200
    assert Macro.objects.get(pk=macro.pk).set_priority == "high"


def test_deleting_retires_the_macro(as_agent, agent):
    macro = MacroFactory(owner=agent)
    assert as_agent.delete(f"{MACROS}{macro.pk}/").status_code == 204
    assert Macro.objects.get(pk=macro.pk).is_active is False
    assert as_agent.get(f"{MACROS}{macro.pk}/").status_code == 404


def test_bad_status_in_an_update_is_a_400(as_agent, agent):
    macro = MacroFactory(owner=agent)
    response = as_agent.patch(f"{MACROS}{macro.pk}/", {"set_status": "bogus"})
    assert response.status_code == 400
    assert "set_status" in response.json()


def test_customer_gets_403_on_macros(api_client, customer):
    api_client.force_authenticate(customer)
    assert api_client.post(f"{MACROS}preview/", {"body": "x"}).status_code == 403


def test_macro_list_query_count_does_not_grow_with_the_page(as_agent, agent, payments, django_assert_num_queries):
    for n in range(10):
        MacroFactory(owner=agent, name=f"m{n}", set_team=payments)
    with django_assert_num_queries(3):  # role, count, page with team and set_team joined
        response = as_agent.get(f"{MACROS}?page_size=10")
    assert len(response.json()["results"]) == 10


# --- preview ---------------------------------------------------------------------------------------


def test_preview_of_unsaved_text_on_a_ticket_fills_the_placeholders(as_agent, ticket, general):
    response = as_agent.post(
        f"{MACROS}preview/",
        {
            "body": "Hi {customer_name}, re {reference}",
            "set_status": "solved",
            "set_team": "general",
            "ticket": ticket.reference,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["body"] == f"Hi {ticket.requester.first_name}, re {ticket.reference}"
    assert body["actions"] == {"status": "solved", "team": "general"}
    assert body["changes"] == ["Post as a public reply", "Move the ticket to team General", "Set the status to Solved"]
    assert body["ticket"] == ticket.reference


def test_preview_without_a_ticket_shows_examples(as_agent):
    body = as_agent.post(f"{MACROS}preview/", {"body": "Ref {reference}"}).json()
    assert body["body"] == "Ref SD-XXXX-XXXX-XXXX"
    assert body["ticket"] is None


def test_preview_names_unknown_placeholders(as_agent):
    body = as_agent.post(f"{MACROS}preview/", {"body": "Hi {first_name}"}).json()
    assert body["unknown_placeholders"] == ["first_name"]


def test_preview_of_a_saved_macro_equals_what_apply_posts(as_agent, agent, ticket, now):
    macro = MacroFactory(body="Dear {customer_name}: {subject}", internal=True, set_priority="high")
    preview = as_agent.post(f"{MACROS}preview/", {"macro": macro.pk, "ticket": ticket.reference}).json()
    services.macro_apply(ticket=ticket, macro=macro, actor=agent, now=now)
    assert preview["body"] == ticket.messages.last().body
    assert preview["changes"][0] == "Post as an internal note"


def test_preview_changes_nothing(as_agent, ticket):
    as_agent.post(f"{MACROS}preview/", {"body": "x", "set_status": "solved", "ticket": ticket.reference})
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW
    assert not ticket.messages.exists()


def test_preview_on_an_invisible_ticket_is_a_400_naming_it(api_client, outside_agent, ticket):
    api_client.force_authenticate(outside_agent)
    response = api_client.post(f"{MACROS}preview/", {"body": "x", "ticket": ticket.reference})
    assert response.status_code == 400
    assert "ticket" in response.json()


def test_preview_of_another_agents_personal_macro_is_a_400(as_agent, other_agent):
    macro = MacroFactory(owner=other_agent)
    response = as_agent.post(f"{MACROS}preview/", {"macro": macro.pk})
    assert response.status_code == 400
    assert "macro" in response.json()


def test_preview_needs_a_body_or_a_macro(as_agent):
    response = as_agent.post(f"{MACROS}preview/", {})
    assert response.status_code == 400
    assert "body" in response.json()


# --- the admin shares the rule ----------------------------------------------------------------------


def admin_form(user, data):
    from django.forms import modelform_factory

    from tickets.admin import MacroAdminForm

    form_class = modelform_factory(
        Macro, form=MacroAdminForm, fields=["name", "body", "team", "owner", "is_active", "internal"]
    )
    form_class.user = user
    return form_class(data=data)


def test_admin_form_refuses_a_team_macro_from_an_agent(payments):
    agent = AgentFactory(is_staff=True)
    form = admin_form(agent, {"name": "x", "body": "y", "team": payments.pk, "is_active": True})
    assert not form.is_valid()
    assert "Only leads and admins" in str(form.errors)


def test_admin_form_accepts_a_team_macro_from_a_lead(lead, payments):
    form = admin_form(lead, {"name": "x", "body": "y", "team": payments.pk, "is_active": True})
    assert form.is_valid(), form.errors


def test_a_lead_does_not_see_an_agents_personal_macro_in_the_admin(lead_client, agent, lead, payments):
    MacroFactory(name="Agent's own", owner=agent)
    MacroFactory(name="Lead's own", owner=lead)
    MacroFactory(name="Payments macro", team=payments)

    listed = lead_client.get("/admin/tickets/macro/").content.decode()

    assert "Lead&#x27;s own" in listed and "Payments macro" in listed
    assert "Agent&#x27;s own" not in listed


def test_a_superuser_sees_every_personal_macro_in_the_admin(admin_client, agent):
    MacroFactory(name="Agent's own", owner=agent)

    assert "Agent&#x27;s own" in admin_client.get("/admin/tickets/macro/").content.decode()
