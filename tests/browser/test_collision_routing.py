"""Collision detection and routing in a real browser: two agents on one ticket see each other
(viewing, then replying), a reply on a ticket changed meanwhile shows the change first; agents set
themselves available in the desk header and round robin hands three new tickets to three agents.

Run: .venv/bin/pytest tests/browser/test_collision_routing.py -q
"""

import pytest
from playwright.sync_api import Browser, expect
from rest_framework.test import APIClient

from accounts.models import AgentProfile, User
from tests.factories import AgentFactory
from tickets.models import Team, Ticket

from .conftest import ConsoleErrors
from .test_desk import log_in_desk, new_context

pytestmark = pytest.mark.browser


def file_ticket(subject: str) -> str:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="alice"))
    response = client.post(
        "/api/v1/tickets/",
        {"category": "account_locked", "subject": subject, "body": "I cannot log in."},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def test_two_agents_on_one_ticket_see_each_other_and_a_stale_reply_warns(demo, browser: Browser):
    base = demo.url
    reference = file_ticket("Locked out after a phone change")
    path = f"/desk/tickets/{reference}/"
    first, second = new_context(browser), new_context(browser)
    try:
        ana, ben = first.new_page(), second.new_page()
        errors = ConsoleErrors()
        errors.watch(ana)
        errors.watch(ben)
        log_in_desk(ana, base, "agent1", path)
        log_in_desk(ben, base, "agent2", path)
        expect(ana.locator("#ticket-root[data-ready]")).to_be_attached()
        expect(ben.locator("#ticket-root[data-ready]")).to_be_attached()
        agent1 = User.objects.get(username="agent1")
        agent2 = User.objects.get(username="agent2")
        name1, name2 = agent1.get_full_name() or "agent1", agent2.get_full_name() or "agent2"

        # Each sees the other within a heartbeat or two.
        expect(ana.locator(f"#presence [data-agent-id='{agent2.pk}']")).to_contain_text(name2, timeout=10_000)
        expect(ben.locator(f"#presence [data-agent-id='{agent1.pk}']")).to_contain_text(name1, timeout=10_000)

        # Ana starts a draft: Ben sees that she is replying.
        ana.locator("#composer-body").fill("Hello, we are unlocking your account now.")
        ana.locator("#composer-body").press("End")
        chip = ben.locator(f"#presence [data-agent-id='{agent1.pk}']")
        expect(chip).to_have_attribute("data-state", "typing", timeout=10_000)
        expect(chip).to_contain_text(f"{name1} is replying")

        # Ben replies first; Ana's send warns with Ben's change, then goes out when she insists.
        ben.locator("#composer-body").fill("I have it: unlocking now.")
        ben.locator("#send-button").click()
        expect(ben.locator("#composer-msg")).to_contain_text("Reply sent.")
        ana.locator("#send-button").click()
        stale = ana.locator("#stale-box")
        expect(stale).to_be_visible()
        expect(stale).to_contain_text("Message added")
        expect(stale).to_contain_text(name2)
        ana.locator("#stale-anyway").click()
        expect(ana.locator("#composer-msg")).to_contain_text("Reply sent.")
        ticket = Ticket.objects.get(reference=reference)
        assert ticket.messages.filter(body__startswith="Hello, we are unlocking").count() == 1

        # Ben leaves: Ana stops seeing him at once (the page's leave beacon), not only after 15 s.
        ben.close()
        expect(ana.locator(f"#presence [data-agent-id='{agent2.pk}']")).to_have_count(0, timeout=10_000)
        # The stale reply's 409 is the browser's one expected console line; nothing else.
        assert [error for error in errors if "status of 409" not in error] == []
    finally:
        first.close()
        second.close()


def test_round_robin_hands_three_new_tickets_to_three_available_agents(demo, browser: Browser):
    base = demo.url
    general = Team.objects.get(code="general")
    general.routing = Team.Routing.ROUND_ROBIN
    general.save(update_fields=["routing"])
    third = AgentFactory(username="agent3", first_name="Chen", teams=[general], password="demo-password")
    AgentProfile.objects.filter(user__username__in=["agent2"]).update(available=True)
    AgentProfile.objects.filter(user=third).update(available=True)
    context = new_context(browser)
    try:
        page = context.new_page()
        errors = ConsoleErrors()
        errors.watch(page)
        # agent1 says they are available with the header's control.
        log_in_desk(page, base, "agent1", "/desk/")
        toggle = page.locator("#availability-toggle")
        expect(toggle).to_have_text("Away")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(toggle).to_have_text("Available")
        assert AgentProfile.objects.get(user__username="agent1").available is True

        references = [file_ticket(f"Locked out, case {n}") for n in range(3)]
        assignees = {Ticket.objects.get(reference=ref).assignee.username for ref in references}
        assert assignees == {"agent1", "agent2", "agent3"}
        assert errors == []
    finally:
        context.close()


def test_a_lead_reassigns_an_away_agents_open_tickets(demo, browser: Browser):
    base = demo.url
    agent1 = User.objects.get(username="agent1")
    reference = file_ticket("Locked out while travelling")
    Ticket.objects.filter(reference=reference).update(assignee=agent1)
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in_desk(page, base, "lead", "/desk/")
        page.locator("#team-availability-button").click()
        row = page.locator(f"#team-availability tr[data-agent-id='{agent1.pk}']")
        expect(row).to_be_visible()
        row.locator("button[data-reassign]").click()
        expect(page.locator("#desk-toast")).to_contain_text("reassigned")
        assert Ticket.objects.get(reference=reference).assignee_id is None
    finally:
        context.close()
