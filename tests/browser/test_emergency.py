"""The emergency path in the browser: "my account is compromised" logged in (verified at once) and
without a login (verified once the mailed link is opened), at 1366x768 and 390 wide."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from notifications.models import WebhookDelivery, WebhookEndpoint
from tickets.models import Ticket, TicketEvent

from .conftest import ConsoleErrors, log_in, shot

pytestmark = pytest.mark.browser

FREEZE = "account.freeze_requested"
LINK = re.compile(r"https?://\S+/guest/#k=[A-Za-z0-9_-]+")


@pytest.fixture
def exchange(demo):
    return WebhookEndpoint.objects.create(name="exchange", url="http://127.0.0.1:9/hooks", event_types=[FREEZE])


def verified_flags() -> list[bool]:
    rows = WebhookDelivery.objects.filter(event=FREEZE).order_by("created_at")  # the pk is a UUID
    return [row.body["data"]["identity_verified"] for row in rows]


def test_a_logged_in_customer_reports_a_compromise_and_the_freeze_goes_out_verified(
    demo, exchange, page: Page, console_errors: ConsoleErrors
):
    console_errors.watch(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, demo.url, "alice", next_path="/tickets/new/")
    page.locator("#emergency-callout a[data-emergency]").click()
    page.wait_for_url("**/emergency/")
    shot(page, "emergency-01-logged-in-1366")
    page.locator("#emergency-details").fill("Someone withdrew my USDT an hour ago")
    page.locator("#emergency-button").click()
    expect(page.locator("#emergency-done")).to_contain_text("freeze")
    expect(page.locator("#emergency-next-steps li")).to_have_count(4)
    shot(page, "emergency-02-logged-in-done-1366")
    ticket = Ticket.objects.get(requester__username="alice", subject="My account is compromised")
    assert (ticket.priority, ticket.team.code) == ("urgent", "security")
    assert verified_flags() == [True]
    assert console_errors == []


def test_without_a_login_the_freeze_is_unverified_until_the_mailed_link_is_opened(
    demo, exchange, page: Page, console_errors: ConsoleErrors
):
    console_errors.watch(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo.url}/contact/")
    page.locator("#emergency-callout a[data-emergency]").click()
    page.wait_for_url("**/emergency/")
    page.locator("#emergency-button").click()  # no address yet
    expect(page.locator("#emergency-email-msg")).to_have_class(re.compile("is-error"))
    page.locator("#emergency-email").fill(User.objects.get(username="bob").email)
    shot(page, "emergency-03-no-login-390")
    page.locator("#emergency-button").click()
    expect(page.locator("#emergency-done")).to_contain_text("private link")
    shot(page, "emergency-04-no-login-done-390")
    assert verified_flags() == [False]

    # Read before the page loads: on SQLite the live server's writes lock the table meanwhile.
    reference = Ticket.objects.get(category__code="account_compromised", channel="guest").reference
    link = LINK.search(mail.outbox[-1].body).group(0)
    page.goto(link.replace("http://testserver", demo.url).replace("http://localhost:8000", demo.url))
    expect(page.locator("main")).to_contain_text(reference)  # the page has opened the ticket with the link
    assert verified_flags() == [False, True]
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.FREEZE_REQUESTED).count() == 2
    assert console_errors == []


def test_the_emergency_page_at_1366_without_login(demo, page: Page, console_errors: ConsoleErrors):
    console_errors.watch(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{demo.url}/emergency/")
    expect(page.locator("#emergency-email")).to_be_visible()
    shot(page, "emergency-05-no-login-1366")
    assert console_errors == []
