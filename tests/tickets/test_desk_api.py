"""The agent desk's API additions (issue 9, /work/notes/desk-api.md): queue filters and rows,
conditional polling, teams/agents, the customer panel, macro set_team and preview."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CustomerProfile
from tests.factories import AgentFactory, CustomerFactory, MacroFactory, TicketFactory
from tickets import services
from tickets.models import Ticket, TicketEvent


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def queue(client, query=""):
    response = client.get(f"/api/v1/queue/{query}")
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def filed(customer, category, sla_policy, **fields):
    return services.ticket_create(
        requester=customer,
        category=category,
        subject=fields.pop("subject", "Withdrawal stuck"),
        body="Help",
        fields=services.TicketFields(asset="USDT", amount=fields.pop("amount", 5), **fields),
        now=timezone.now(),
    )


# --- filters ---------------------------------------------------------------------------------------


def test_queue_status_filter_takes_a_comma_separated_list(as_agent, category):
    new = TicketFactory(category=category, status=Ticket.Status.NEW)
    held = TicketFactory(category=category, status=Ticket.Status.ON_HOLD)
    TicketFactory(category=category, status=Ticket.Status.OPEN)
    assert set(queue(as_agent, "?status=new,on_hold")) == {new.reference, held.reference}


def test_queue_priority_filter_takes_a_comma_separated_list(as_agent, category):
    urgent = TicketFactory(category=category, priority="urgent")
    high = TicketFactory(category=category, priority="high")
    TicketFactory(category=category, priority="low")
    assert set(queue(as_agent, "?priority=urgent,high")) == {urgent.reference, high.reference}


def test_queue_unknown_status_is_a_400_naming_it(as_agent):
    response = as_agent.get("/api/v1/queue/?status=new,bogus")
    assert response.status_code == 400
    assert "bogus" in response.json()["status"][0]


def test_queue_team_filter_takes_several_codes(api_client, lead, category, other_category, security):
    payments_ticket = TicketFactory(category=category)
    general_ticket = TicketFactory(category=other_category)
    TicketFactory(category=category, team=security)
    api_client.force_authenticate(lead)
    assert set(queue(api_client, "?team=payments,general")) == {payments_ticket.reference, general_ticket.reference}


def test_queue_unknown_team_is_a_400(as_agent):
    assert as_agent.get("/api/v1/queue/?team=nope").status_code == 400


def test_queue_assignee_anyone_lists_only_assigned_tickets(as_agent, agent, other_agent, category):
    mine = TicketFactory(category=category, assignee=agent)
    theirs = TicketFactory(category=category, assignee=other_agent)
    TicketFactory(category=category)
    assert set(queue(as_agent, "?assignee=anyone")) == {mine.reference, theirs.reference}


def test_queue_assignee_garbage_is_a_400(as_agent):
    assert as_agent.get("/api/v1/queue/?assignee=somebody").status_code == 400
    assert as_agent.get("/api/v1/queue/?assignee=" + "9" * 30).status_code == 400


def test_queue_search_finds_a_reference_in_any_case(as_agent, category):
    wanted = TicketFactory(category=category)
    TicketFactory(category=category)
    assert queue(as_agent, f"?q={wanted.reference.lower()}") == [wanted.reference]


@pytest.mark.parametrize("field", ["txid", "address", "order_id"])
def test_queue_search_finds_an_identifier_in_any_case(as_agent, category, field):
    wanted = TicketFactory(category=category, **{field: "0xAbCdEf0123"})
    TicketFactory(category=category)
    assert queue(as_agent, "?q=0XABCDEF0123") == [wanted.reference]


def test_queue_search_finds_the_customer_by_email_in_any_case(as_agent, category):
    bob = CustomerFactory(username="bob", email="Bob@Example.com")
    wanted = TicketFactory(category=category, requester=bob)
    TicketFactory(category=category)
    assert queue(as_agent, "?q=bob@EXAMPLE.com") == [wanted.reference]


def test_queue_search_finds_the_customer_by_exchange_uid(as_agent, category):
    bob = CustomerFactory(username="bob")
    CustomerProfile.objects.filter(user=bob).update(exchange_uid="UID-778899")
    wanted = TicketFactory(category=category, requester=bob)
    TicketFactory(category=category)
    assert queue(as_agent, "?q=UID-778899") == [wanted.reference]


def test_queue_search_falls_back_to_the_subject(as_agent, category):
    wanted = TicketFactory(category=category, subject="Frozen USDT withdrawal")
    TicketFactory(category=category, subject="KYC")
    assert queue(as_agent, "?q=frozen") == [wanted.reference]


def test_queue_search_never_shows_tickets_the_agent_may_not_see(api_client, outside_agent, category):
    hidden = TicketFactory(category=category)
    api_client.force_authenticate(outside_agent)
    assert queue(api_client, f"?q={hidden.reference}") == []


def test_queue_page_size_is_capped_at_100(as_agent, category):
    for _index in range(102):
        TicketFactory(category=category)
    assert len(queue(as_agent, "?page_size=500")) == 100


# --- rows --------------------------------------------------------------------------------------------


def test_queue_rows_carry_what_the_desk_draws(as_agent, customer, category, sla_policy):
    CustomerProfile.objects.filter(user=customer).update(tier="vip")
    ticket = filed(customer, category, sla_policy, network="tron", txid="a" * 64)
    row = as_agent.get("/api/v1/queue/").json()["results"][0]
    assert row["reference"] == ticket.reference
    assert row["category_name"] == category.name
    assert row["team_name"] == "Payments"
    assert row["customer_tier"] == "vip"
    assert row["requester"]["email"] == "a•••@e•••.com"  # masked (tickets.privacy)
    assert row["asset"] == "USDT" and row["amount"] == "5" and row["txid"] == "a" * 64
    assert row["sla_state"] == "on_track"
    assert row["sla_warning_at"] is not None


def test_queue_row_is_in_warning_at_three_quarters_of_the_target(as_agent, customer, category, sla_policy):
    ticket = filed(customer, category, sla_policy)
    clock = ticket.sla_clocks.get(metric="first_response")
    clock.due_at = timezone.now() + timedelta(seconds=clock.target_seconds * 0.2)
    clock.save()
    assert as_agent.get("/api/v1/queue/").json()["results"][0]["sla_state"] == "warning"


def test_queue_row_is_breached_past_its_due_time(as_agent, customer, category, sla_policy):
    ticket = filed(customer, category, sla_policy)
    ticket.sla_clocks.filter(metric="first_response").update(due_at=timezone.now() - timedelta(minutes=1))
    assert as_agent.get("/api/v1/queue/").json()["results"][0]["sla_state"] == "breached"


def test_queue_row_without_clocks_is_none(as_agent, category):
    TicketFactory(category=category)
    assert as_agent.get("/api/v1/queue/").json()["results"][0]["sla_state"] == "none"


def test_customer_list_shape_is_unchanged(api_client, customer, category):
    TicketFactory(category=category, requester=customer, txid="abc")
    api_client.force_authenticate(customer)
    row = api_client.get("/api/v1/tickets/").json()["results"][0]
    for staff_only in ("category_name", "team_name", "customer_tier", "sla_state", "txid", "amount", "requester"):
        assert staff_only not in row


def test_customer_detail_keeps_its_structured_fields_and_has_no_panel(api_client, customer, category):
    ticket = TicketFactory(category=category, requester=customer, txid="abc")
    api_client.force_authenticate(customer)
    data = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert data["txid"] == "abc"
    assert "customer" not in data


# --- conditional polling ----------------------------------------------------------------------------


def test_queue_answers_with_an_etag(as_agent, category):
    TicketFactory(category=category)
    assert as_agent.get("/api/v1/queue/")["ETag"]


def test_unchanged_queue_poll_is_a_304_without_a_body(as_agent, category):
    TicketFactory(category=category)
    etag = as_agent.get("/api/v1/queue/")["ETag"]
    response = as_agent.get("/api/v1/queue/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


# transactional_db: the version changes when the write commits, which the `db` fixture never does.
@pytest.mark.django_db(transaction=True)
def test_a_ticket_write_changes_the_queue_etag(as_agent, agent, category):
    ticket = TicketFactory(category=category)
    etag = as_agent.get("/api/v1/queue/")["ETag"]
    services.ticket_claim(ticket=ticket, agent=agent, now=timezone.now())
    assert as_agent.get("/api/v1/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_sla_sweep_changes_the_queue_etag(as_agent, customer, category, sla_policy):
    from sla.sweep import sla_sweep

    ticket = filed(customer, category, sla_policy)
    etag = as_agent.get("/api/v1/queue/")["ETag"]
    sla_sweep(now=ticket.sla_due_at + timedelta(minutes=1))
    assert Ticket.objects.get(pk=ticket.pk).sla_breached
    assert as_agent.get("/api/v1/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_queue_etag_differs_per_filter(as_agent, category):
    TicketFactory(category=category)
    etag = as_agent.get("/api/v1/queue/")["ETag"]
    assert as_agent.get("/api/v1/queue/?assignee=none", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_queue_etag_of_another_agent_is_not_honoured(api_client, agent, other_agent, category):
    TicketFactory(category=category)
    api_client.force_authenticate(agent)
    etag = api_client.get("/api/v1/queue/")["ETag"]
    api_client.force_authenticate(other_agent)
    assert api_client.get("/api/v1/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_conditional_poll_by_a_customer_is_still_refused(api_client, customer):
    api_client.force_authenticate(customer)
    assert api_client.get("/api/v1/queue/", HTTP_IF_NONE_MATCH='W/"q-x"').status_code == 403


def test_a_demoted_agent_is_refused_even_on_a_conditional_poll(
    api_client, agent, category, django_capture_on_commit_callbacks
):
    TicketFactory(category=category)
    api_client.force_authenticate(agent)
    etag = api_client.get("/api/v1/queue/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        agent.groups.clear()
    api_client.force_authenticate(type(agent).objects.get(pk=agent.pk))
    assert api_client.get("/api/v1/queue/", HTTP_IF_NONE_MATCH=etag).status_code == 403


# --- reference data --------------------------------------------------------------------------------


def test_teams_lists_code_and_name(as_agent, payments):
    assert {"id": payments.pk, "code": "payments", "name": "Payments"} in as_agent.get("/api/v1/teams/").json()


def test_agents_lists_staff_with_teams_and_role(as_agent, agent, lead, customer):
    rows = {row["username"]: row for row in as_agent.get("/api/v1/agents/").json()}
    assert rows["agent1"]["teams"] == ["payments"] and rows["agent1"]["role"] == "agent"
    assert rows["lead"]["role"] == "lead"
    assert "alice" not in rows


@pytest.mark.parametrize("url", ["/api/v1/teams/", "/api/v1/agents/"])
def test_reference_data_is_refused_to_customers(api_client, customer, url):
    api_client.force_authenticate(customer)
    assert api_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/teams/", "/api/v1/agents/"])
def test_reference_data_needs_a_login(api_client, url):
    assert api_client.get(url).status_code == 401


# --- workspace ---------------------------------------------------------------------------------------


def test_staff_detail_has_the_customer_panel(as_agent, customer, category):
    CustomerProfile.objects.filter(user=customer).update(tier="vip", exchange_uid="U-1", language="zh-hans")
    older = TicketFactory(category=category, requester=customer, created_at=timezone.now() - timedelta(days=2))
    ticket = TicketFactory(category=category, requester=customer)
    panel = as_agent.get(f"/api/v1/tickets/{ticket.reference}/").json()["customer"]
    assert panel["email"] == "a•••@e•••.com"  # masked (tickets.privacy)
    assert (panel["tier"], panel["language"], panel["exchange_uid"]) == ("vip", "zh-hans", "•••")
    assert [row["reference"] for row in panel["other_tickets"]] == [older.reference]


def test_customer_panel_keeps_ten_other_tickets(as_agent, customer, category):
    for _index in range(12):
        TicketFactory(category=category, requester=customer)
    ticket = TicketFactory(category=category, requester=customer)
    panel = as_agent.get(f"/api/v1/tickets/{ticket.reference}/").json()["customer"]
    assert len(panel["other_tickets"]) == 10


def test_customer_panel_hides_tickets_of_teams_the_agent_is_not_in(as_agent, customer, category, security):
    TicketFactory(category=category, requester=customer, team=security)
    ticket = TicketFactory(category=category, requester=customer)
    assert as_agent.get(f"/api/v1/tickets/{ticket.reference}/").json()["customer"]["other_tickets"] == []


# --- macros ------------------------------------------------------------------------------------------


def test_macro_with_set_team_moves_the_ticket(as_agent, agent, ticket, general):
    macro = MacroFactory(set_team=general, body="Moving you to {subject}")
    response = as_agent.post(f"/api/v1/tickets/{ticket.reference}/macros/{macro.pk}/apply/")
    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).team == general
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.TEAM_CHANGED).exists()


def test_macro_list_shows_set_team(as_agent, general):
    MacroFactory(set_team=general)
    assert as_agent.get("/api/v1/macros/").json()["results"][0]["set_team"] == "general"


def test_macro_create_accepts_set_team(api_client, lead, general):
    api_client.force_authenticate(lead)
    response = api_client.post(
        "/api/v1/macros/", {"name": "To general", "body": "x", "set_team": "general"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["set_team"] == "general"


def test_macro_preview_renders_and_changes_nothing(as_agent, ticket, general):
    macro = MacroFactory(body="Hi {customer_name}, {reference}", set_status="pending_customer", set_team=general)
    response = as_agent.post(f"/api/v1/tickets/{ticket.reference}/macros/{macro.pk}/preview/")
    assert response.status_code == 200
    assert response.json() == {
        "body": f"Hi {ticket.requester.first_name}, {ticket.reference}",
        "actions": {"status": "pending_customer", "team": "general"},
    }
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW
    assert not ticket.messages.exists()


def test_macro_preview_of_an_invisible_ticket_is_a_404(api_client, outside_agent, ticket):
    macro = MacroFactory()
    api_client.force_authenticate(outside_agent)
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/macros/{macro.pk}/preview/").status_code == 404


def test_macro_preview_is_refused_to_the_customer(api_client, customer, ticket):
    macro = MacroFactory()
    api_client.force_authenticate(customer)
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/macros/{macro.pk}/preview/").status_code == 403


def test_agent_list_has_agents_created_by_factory(as_agent):
    AgentFactory(username="agent9")
    assert "agent9" in {row["username"] for row in as_agent.get("/api/v1/agents/").json()}
