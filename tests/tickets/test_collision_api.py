"""Collision detection: presence on a ticket (tickets/{reference}/presence/) and the optional
`expected_version` precondition of a reply and a PATCH."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import AgentFactory
from tickets import presence, services
from tickets.models import Message, Ticket

# POST presence/ by an agent (force-authenticated): the role (groups) and the ticket, whatever
# the number of agents present; the entries live in the cache.
PRESENCE_QUERIES = 2


def beat(client, user, ticket, state="viewing"):
    client.force_authenticate(user)
    return client.post(f"/api/v1/tickets/{ticket.reference}/presence/", {"state": state}, format="json")


def test_an_agent_alone_sees_nobody(api_client, agent, ticket):
    response = beat(api_client, agent, ticket)
    assert response.status_code == 200
    assert response.json()["others"] == []


def test_two_agents_on_one_ticket_see_each_other(api_client, agent, other_agent, ticket):
    beat(api_client, agent, ticket)
    response = beat(api_client, other_agent, ticket)
    assert [(o["id"], o["state"]) for o in response.json()["others"]] == [(agent.pk, "viewing")]
    response = beat(api_client, agent, ticket)
    assert [(o["id"], o["state"]) for o in response.json()["others"]] == [(other_agent.pk, "viewing")]


def test_a_typing_agent_is_shown_as_typing(api_client, agent, other_agent, ticket):
    beat(api_client, agent, ticket, state="typing")
    others = beat(api_client, other_agent, ticket).json()["others"]
    assert others[0]["state"] == "typing"
    assert others[0]["name"] == (agent.get_full_name() or agent.username)


def test_an_agent_who_left_is_gone_at_once(api_client, agent, other_agent, ticket):
    beat(api_client, agent, ticket)
    api_client.force_authenticate(agent)
    assert api_client.delete(f"/api/v1/tickets/{ticket.reference}/presence/").status_code == 200
    assert beat(api_client, other_agent, ticket).json()["others"] == []


def test_state_left_removes_the_entry_too(api_client, agent, other_agent, ticket):
    beat(api_client, agent, ticket)
    beat(api_client, agent, ticket, state="left")
    assert beat(api_client, other_agent, ticket).json()["others"] == []


def test_an_entry_not_renewed_expires(agent, other_agent, ticket):
    now = timezone.now()
    presence.presence_beat(ticket=ticket, user=agent, state="viewing", now=now)
    later = now + timedelta(seconds=presence.PRESENCE_TTL_SECONDS + 1)
    assert presence.presence_beat(ticket=ticket, user=other_agent, state="viewing", now=later) == []


def test_since_stays_while_the_state_stays(agent, other_agent, ticket):
    now = timezone.now()
    presence.presence_beat(ticket=ticket, user=agent, state="viewing", now=now)
    presence.presence_beat(ticket=ticket, user=agent, state="viewing", now=now + timedelta(seconds=4))
    others = presence.presence_beat(ticket=ticket, user=other_agent, state="viewing", now=now + timedelta(seconds=5))
    assert others[0]["since"].timestamp() == pytest.approx(now.timestamp())


def test_an_unknown_state_is_a_400(api_client, agent, ticket):
    assert beat(api_client, agent, ticket, state="dancing").status_code == 400


@pytest.mark.parametrize("body", ['[{"state": "typing"}]', "[]", "7", "null"])
def test_a_body_that_is_not_an_object_is_a_400(api_client, agent, ticket, body):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/presence/", data=body, content_type="application/json"
    )
    assert response.status_code == 400


def test_customers_get_404_for_presence(api_client, customer, ticket):
    assert beat(api_client, customer, ticket).status_code == 404


def test_anonymous_get_401_for_presence(api_client, ticket):
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/presence/", {}).status_code == 401


def test_an_agent_of_another_team_gets_404_for_presence(api_client, outside_agent, ticket):
    assert beat(api_client, outside_agent, ticket).status_code == 404


def test_presence_is_throttled(api_client, agent, ticket, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "presence": "2/minute"},
    }
    from rest_framework.settings import api_settings

    from support_desk.throttling import PresenceThrottle

    api_settings.reload()
    PresenceThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        codes = [beat(api_client, agent, ticket).status_code for _ in range(3)]
    finally:
        api_settings.reload()
        PresenceThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 429]


def test_presence_costs_a_fixed_number_of_queries(api_client, agent, payments, ticket):
    for n in range(5):
        beat(api_client, AgentFactory(username=f"watcher{n}", teams=[payments]), ticket)
    fresh = type(agent).objects.get(pk=agent.pk)
    api_client.force_authenticate(fresh)
    with CaptureQueriesContext(connection) as context:
        response = api_client.post(f"/api/v1/tickets/{ticket.reference}/presence/", {"state": "typing"}, format="json")
    assert response.status_code == 200 and len(response.json()["others"]) == 5
    assert len(context.captured_queries) == PRESENCE_QUERIES


# --- The precondition: expected_version ---


def detail(client, user, ticket):
    client.force_authenticate(user)
    return client.get(f"/api/v1/tickets/{ticket.reference}/").json()


def test_staff_see_the_tickets_version(api_client, agent, ticket, now):
    services.message_add(ticket=ticket, author=ticket.requester, body="Hello", now=now)
    version = detail(api_client, agent, ticket)["version"]
    assert version == ticket.events.order_by("-id").first().pk


def test_customers_do_not_see_the_version(api_client, customer, ticket):
    assert "version" not in detail(api_client, customer, ticket)


def test_a_reply_with_the_current_version_is_sent(api_client, agent, ticket):
    version = detail(api_client, agent, ticket)["version"]
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "On it.", "expected_version": version}, format="json"
    )
    assert response.status_code == 201


def test_a_reply_after_another_agents_change_is_409_with_the_changes(api_client, agent, other_agent, ticket, now):
    version = detail(api_client, agent, ticket)["version"]
    services.message_add(ticket=ticket, author=other_agent, body="I replied already.", now=now)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "On it.", "expected_version": version}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale"
    assert [change["kind"] for change in body["changes"]][:1] == ["message_added"]
    assert body["changes"][0]["actor"]["id"] == other_agent.pk
    assert body["version"] == ticket.events.order_by("-id").first().pk
    assert not Message.objects.filter(ticket=ticket, body="On it.").exists()


def test_a_reply_after_a_new_customer_message_is_409(api_client, agent, ticket, now):
    version = detail(api_client, agent, ticket)["version"]
    services.message_add(ticket=ticket, author=ticket.requester, body="Any news?", now=now)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Hi", "expected_version": version}, format="json"
    )
    assert response.status_code == 409


def test_the_callers_own_changes_do_not_make_it_stale(api_client, agent, ticket):
    version = detail(api_client, agent, ticket)["version"]
    api_client.patch(f"/api/v1/tickets/{ticket.reference}/", {"priority": "high"}, format="json")
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Hi", "expected_version": version}, format="json"
    )
    assert response.status_code == 201


def test_an_sla_warning_does_not_make_it_stale(api_client, agent, ticket, now):
    version = detail(api_client, agent, ticket)["version"]
    from tickets import audit
    from tickets.models import TicketEvent

    audit.record(ticket, actor=None, kind=TicketEvent.Kind.SLA_WARNING, at=now, metric="first_response")
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Hi", "expected_version": version}, format="json"
    )
    assert response.status_code == 201


def test_a_reply_without_a_version_is_sent_as_before(api_client, agent, other_agent, ticket, now):
    detail(api_client, agent, ticket)
    services.message_add(ticket=ticket, author=other_agent, body="Mine.", now=now)
    response = api_client.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Hi"}, format="json")
    assert response.status_code == 201


def test_a_patch_after_another_agents_change_is_409(api_client, agent, other_agent, ticket, now):
    version = detail(api_client, agent, ticket)["version"]
    services.ticket_change_status(ticket=ticket, actor=other_agent, status="pending_customer", now=now)
    response = api_client.patch(
        f"/api/v1/tickets/{ticket.reference}/", {"priority": "high", "expected_version": version}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["changes"][0]["kind"] == "status_changed"
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_a_patch_with_the_current_version_applies(api_client, agent, ticket):
    version = detail(api_client, agent, ticket)["version"]
    response = api_client.patch(
        f"/api/v1/tickets/{ticket.reference}/", {"priority": "high", "expected_version": version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["priority"] == "high"


def test_a_patch_with_only_a_version_is_a_400(api_client, agent, ticket):
    version = detail(api_client, agent, ticket)["version"]
    response = api_client.patch(f"/api/v1/tickets/{ticket.reference}/", {"expected_version": version}, format="json")
    assert response.status_code == 400


def test_the_version_check_costs_one_query(agent, other_agent, ticket, now):
    services.message_add(ticket=ticket, author=agent, body="first: the ticket opens", now=now)
    with CaptureQueriesContext(connection) as without:
        services.message_add(ticket=ticket, author=agent, body="one", now=now)
    version = services.ticket_version(Ticket.objects.get(pk=ticket.pk))
    with CaptureQueriesContext(connection) as with_check:
        services.message_add(ticket=ticket, author=agent, body="two", now=now, expected_version=version)
    assert len(with_check.captured_queries) == len(without.captured_queries) + 1


def test_the_leave_beacon_form_with_its_csrf_token_removes_the_entry(agent, other_agent, ticket):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get(f"/desk/tickets/{ticket.reference}/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    url = f"/api/v1/tickets/{ticket.reference}/presence/"
    assert client.post(url, {"state": "viewing", "csrfmiddlewaretoken": token}).status_code == 200
    assert client.post(url, {"state": "left", "csrfmiddlewaretoken": token}).status_code == 200
    others = presence.presence_beat(ticket=ticket, user=other_agent, state="viewing", now=timezone.now())
    assert others == []
