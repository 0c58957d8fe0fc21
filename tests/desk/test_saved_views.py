"""Saved queue views (issue 10, item 3): `views/` and `views/counts/`."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry

from accounts.models import Role
from desk import selectors
from desk.models import SavedView
from tests.factories import AgentFactory, TicketFactory
from tickets.models import Ticket

VIEWS = "/api/v1/views/"


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


@pytest.fixture
def as_lead(api_client, lead):
    api_client.force_authenticate(lead)
    return api_client


def personal_view(owner, **fields):
    from django.utils import timezone

    now = timezone.now()
    return SavedView.objects.create(
        name=fields.pop("name", "Mine"),
        owner=owner,
        filters=fields.pop("filters", {"status": "new"}),
        created_at=now,
        updated_at=now,
        created_by=owner,
        updated_by=owner,
        **fields,
    )


def team_view(team, lead, **fields):
    view = personal_view(lead, **fields)
    view.owner, view.team = None, team
    view.save()
    return view


# --- create and validate ----------------------------------------------------------------------------


def test_agent_saves_a_personal_view(as_agent, agent):
    response = as_agent.post(
        VIEWS, {"name": "Urgent new", "filters": {"status": "new", "priority": "urgent"}, "columns": ["sla"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "personal"
    assert body["filters"] == {"status": "new", "priority": "urgent"}
    assert body["columns"] == ["sla", "subject"]  # the ticket column is always shown
    assert body["created_by"]["id"] == agent.pk
    assert body["can_edit"] is True


def test_unknown_filter_parameter_is_a_400_naming_it(as_agent):
    response = as_agent.post(VIEWS, {"name": "x", "filters": {"colour": "red"}})
    assert response.status_code == 400
    assert "colour" in response.json()["filters"]


def test_bad_filter_value_is_a_400_with_the_queues_message(as_agent):
    response = as_agent.post(VIEWS, {"name": "x", "filters": {"status": "new,bogus"}})
    assert response.status_code == 400
    assert "bogus" in response.json()["filters"]["status"][0]


def test_unknown_team_code_in_filters_is_a_400(as_agent):
    response = as_agent.post(VIEWS, {"name": "x", "filters": {"team": "nope"}})
    assert response.status_code == 400
    assert "team" in response.json()["filters"]


def test_unknown_category_in_filters_is_a_400(as_agent):
    response = as_agent.post(VIEWS, {"name": "x", "filters": {"category": "nope"}})
    assert response.status_code == 400
    assert "category" in response.json()["filters"]


def test_filters_that_are_not_an_object_are_a_400(as_agent):
    assert as_agent.post(VIEWS, {"name": "x", "filters": ["status"]}).status_code == 400


def test_unknown_column_is_a_400(as_agent):
    assert as_agent.post(VIEWS, {"name": "x", "columns": ["colour"]}).status_code == 400


def test_agent_cannot_share_a_view_with_a_team(as_agent, payments):
    response = as_agent.post(VIEWS, {"name": "x", "filters": {}, "team": "payments"})
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_lead_shares_a_view_with_a_team(as_lead, payments):
    response = as_lead.post(VIEWS, {"name": "Payments urgent", "filters": {"priority": "urgent"}, "team": "payments"})
    assert response.status_code == 201
    assert response.json()["scope"] == "team"
    assert SavedView.objects.get().team == payments


def test_lead_shares_a_personal_view_later(as_lead, lead, payments):
    view = personal_view(lead)
    response = as_lead.patch(f"{VIEWS}{view.pk}/", {"team": "payments"})
    assert response.status_code == 200
    view.refresh_from_db()
    assert (view.owner, view.team) == (None, payments)


# --- who sees and edits what ------------------------------------------------------------------------


def test_agent_sees_own_and_team_views_only(as_agent, agent, other_agent, lead, payments, general):
    mine = personal_view(agent, name="mine")
    personal_view(other_agent, name="theirs")
    shared = team_view(payments, lead, name="payments")
    team_view(general, lead, name="general")
    names = {row["name"] for row in as_agent.get(VIEWS).json()["results"]}
    assert names == {mine.name, shared.name}


def test_another_agents_personal_view_is_a_404(as_agent, other_agent):
    view = personal_view(other_agent)
    assert as_agent.get(f"{VIEWS}{view.pk}/").status_code == 404
    assert as_agent.patch(f"{VIEWS}{view.pk}/", {"name": "mine now"}).status_code == 404
    assert as_agent.delete(f"{VIEWS}{view.pk}/").status_code == 404


def test_agent_cannot_change_a_team_view(as_agent, lead, payments):
    view = team_view(payments, lead)
    response = as_agent.patch(f"{VIEWS}{view.pk}/", {"name": "renamed"})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert as_agent.get(f"{VIEWS}{view.pk}/").json()["can_edit"] is False


def test_agent_cannot_delete_a_team_view(as_agent, lead, payments):
    view = team_view(payments, lead)
    assert as_agent.delete(f"{VIEWS}{view.pk}/").status_code == 403
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_lead_edits_a_team_view_and_the_trail_says_who(api_client, payments):
    creator = AgentFactory(role=Role.LEAD)
    editor = AgentFactory(role=Role.LEAD)
    view = team_view(payments, creator)
    api_client.force_authenticate(editor)
    response = api_client.patch(f"{VIEWS}{view.pk}/", {"filters": {"status": "open"}})
    assert response.status_code == 200
    assert response.json()["updated_by"]["id"] == editor.pk
    assert response.json()["created_by"]["id"] == creator.pk


def test_deleting_a_view_is_logged(as_agent, agent):
    view = personal_view(agent)
    assert as_agent.delete(f"{VIEWS}{view.pk}/").status_code == 204
    assert LogEntry.objects.filter(object_id=str(view.pk), action_flag=DELETION, user=agent).exists()


def test_customer_gets_403(api_client, customer):
    api_client.force_authenticate(customer)
    assert api_client.get(VIEWS).status_code == 403
    assert api_client.get(f"{VIEWS}counts/").status_code == 403


def test_anonymous_gets_401(api_client):
    assert api_client.get(VIEWS).status_code == 401


def test_overlong_id_is_a_404(as_agent):
    assert as_agent.get(f"{VIEWS}{'9' * 30}/").status_code == 404


# --- counts -----------------------------------------------------------------------------------------


def counts(client):
    response = client.get(f"{VIEWS}counts/")
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["key"]: row for row in body["builtin"]}, {row["id"]: row for row in body["saved"]}


def test_counts_match_the_queue_for_a_saved_view(as_agent, agent, category):
    TicketFactory.create_batch(3, category=category, priority="urgent")
    TicketFactory(category=category, priority="low")
    view = personal_view(agent, filters={"priority": "urgent"})
    _builtin, saved = counts(as_agent)
    assert saved[view.pk] == {"id": view.pk, "count": 3, "capped": False, "display": "3"}


def test_builtin_counts_follow_the_viewer(as_agent, agent, category):
    TicketFactory(category=category, assignee=agent)
    TicketFactory(category=category)
    builtin, _saved = counts(as_agent)
    assert (builtin[""]["count"], builtin["mine"]["count"], builtin["unassigned"]["count"]) == (2, 1, 1)


def test_counts_leave_out_what_the_agent_cannot_see(as_agent, agent, category, security):
    TicketFactory(category=category, team=security)
    builtin, _saved = counts(as_agent)
    assert builtin[""]["count"] == 0


def test_counts_stop_at_999_plus(as_agent, agent, category, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    TicketFactory.create_batch(3, category=category)
    builtin, _saved = counts(as_agent)
    assert builtin[""] == {"key": "", "count": 2, "capped": True, "display": "2+"}


def test_counts_are_fresh_after_a_ticket_change(as_agent, agent, category):
    from django.core.cache import cache

    from tickets import queue_version

    ticket = TicketFactory(category=category)
    assert counts(as_agent)[0]["unassigned"]["count"] == 1
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    # What every ticket write's commit does (tickets.queue_version); the test's transaction never commits.
    cache.set(queue_version.VERSION_KEY, "after-the-write")
    assert counts(as_agent)[0]["unassigned"]["count"] == 0


def test_counts_of_every_view_take_one_query(as_agent, agent, category, django_assert_num_queries):
    TicketFactory.create_batch(2, category=category)
    for priority in ("urgent", "high", "normal", "low"):
        personal_view(agent, name=priority, filters={"priority": priority, "assignee": "me"})
    # the caller's role, the views, one statement for all nine counts (force_authenticate: no token)
    with django_assert_num_queries(3):
        as_agent.get(f"{VIEWS}counts/")


def test_view_list_query_count_does_not_grow_with_the_page(as_agent, agent, django_assert_num_queries):
    for n in range(10):
        personal_view(agent, name=f"v{n}")
    with django_assert_num_queries(3):  # role, count, page
        response = as_agent.get(f"{VIEWS}?page_size=10")
    assert len(response.json()["results"]) == 10


def test_a_lead_shares_a_view_with_a_team_in_the_admin(lead_client, lead, category):
    team = category.default_team
    response = lead_client.post(
        "/admin/desk/savedview/add/",
        {"name": "Team new", "team": team.pk, "filters": '{"status": "new"}', "sort": "sla_due", "columns": "[]"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shared = SavedView.objects.get(name="Team new")
    assert (shared.team, shared.owner, shared.created_by) == (team, None, lead)


def test_a_lead_cannot_change_an_agents_personal_view_in_the_admin(lead_client, agent):
    mine = personal_view(agent)
    response = lead_client.post(
        f"/admin/desk/savedview/{mine.pk}/change/",
        {"name": "Taken", "owner": agent.pk, "filters": "{}", "sort": "sla_due", "columns": "[]"},
    )
    # Not found, as in the API: the admin sends the lead back to its index.
    assert (response.status_code, response.url) == (302, "/admin/")
    mine.refresh_from_db()
    assert mine.name == "Mine"


def test_a_lead_does_not_see_an_agents_personal_view_in_the_admin(lead_client, agent, lead, category):
    personal_view(agent, name="Agent's own")
    personal_view(lead, name="Lead's own")
    team_view(category.default_team, lead, name="Team view")

    listed = lead_client.get("/admin/desk/savedview/").content.decode()

    assert "Lead&#x27;s own" in listed and "Team view" in listed
    assert "Agent&#x27;s own" not in listed
