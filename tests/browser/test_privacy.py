"""Least privilege in a real Chromium (issue 12, item 6): the agent sees the customer's data masked,
reveals it with a reason, and the lead finds the reveal in the ticket's drawer and on /desk/access/."""

import pytest
from playwright.sync_api import Browser, expect

from tickets.models import Ticket

from .conftest import ConsoleErrors
from .test_desk import log_in_desk, new_context

pytestmark = pytest.mark.browser

REASON = "Customer asked to confirm the e-mail on file"


def test_agent_reveals_the_customers_data_and_the_lead_reviews_it(demo, browser: Browser):
    base = demo.url
    ticket = Ticket.objects.get(subject="Limit order filled at the wrong price")  # alice's, general team
    errors = ConsoleErrors()
    context = new_context(browser)
    try:
        page = errors.watch(context.new_page())
        log_in_desk(page, base, "agent1", f"/desk/tickets/{ticket.reference}/")
        expect(page.locator("#ticket-root[data-ready]")).to_be_attached()
        panel = page.locator("#customer")
        expect(panel).to_contain_text("a•••@e•••.com")
        expect(panel).not_to_contain_text("alice@example.com")

        page.locator("#reveal-button").click()
        page.locator("#reveal-reason").fill("because")
        page.locator("#reveal-submit").click()
        expect(page.locator("#reveal-msg")).to_contain_text("at least 10 characters")
        page.locator("#reveal-reason").fill(REASON)
        page.locator("#reveal-submit").click()
        expect(panel).to_contain_text("alice@example.com")
        expect(panel).to_contain_text("U10000001")

        page.locator("#reveal-hide").click()
        expect(panel).to_contain_text("a•••@e•••.com")
    finally:
        context.close()

    context = new_context(browser)
    try:
        page = errors.watch(context.new_page())
        log_in_desk(page, base, "lead", f"/desk/tickets/{ticket.reference}/")
        expect(page.locator("#ticket-root[data-ready]")).to_be_attached()
        page.locator("#access-button").click()
        drawer = page.locator("#access")
        expect(drawer).to_contain_text("Ana")  # agent1's first name
        expect(drawer).to_contain_text(REASON)

        page.goto(f"{base}/desk/access/?ticket={ticket.reference}")
        expect(page.locator("#access-page[data-ready]")).to_be_attached()
        expect(page.locator("#reveals-rows")).to_contain_text(REASON)
        expect(page.locator("#opens-rows tr")).to_have_count(2)  # agent1 and the lead, this hour
    finally:
        context.close()
    assert errors == []
