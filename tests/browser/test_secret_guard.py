"""The secret guard in the browser: the portal warns the customer whose secret was removed, and the
desk composer shows why a reply asking for a seed phrase was not sent."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.tickets.secret_corpus import SECRETS
from tickets import services
from tickets.models import Category, Message

from .conftest import ConsoleErrors, log_in, shot
from .test_desk import log_in_desk

pytestmark = pytest.mark.browser

SEED = next(case for case in SECRETS if case.id == "bip39-english-12-spaces").secret


def test_the_customer_sees_that_the_secret_they_sent_is_compromised(demo, page: Page, console_errors: ConsoleErrors):
    console_errors.watch(page)
    ticket = services.ticket_create(
        requester=User.objects.get(username="alice"),
        category=Category.objects.get(code="other"),
        subject="Help",
        body=f"Hi, {SEED}",
        fields=services.TicketFields(),
        now=timezone.now(),
    )
    log_in(page, demo.url, "alice", next_path=f"/tickets/{ticket.reference}/")
    warning = page.locator("#secret-warning [role=alert]")
    expect(warning).to_contain_text("compromised")
    expect(page.locator("body")).to_contain_text("[redacted: seed phrase]")
    expect(page.locator("body")).not_to_contain_text(SEED)
    shot(page, "secret-guard-01-portal-warning")
    assert console_errors == []


def test_the_desk_composer_shows_why_a_reply_asking_for_a_seed_phrase_was_refused(demo, page: Page):
    ticket = services.ticket_create(
        requester=User.objects.get(username="alice"),
        category=Category.objects.get(code="other"),
        subject="Help",
        body="My wallet is empty",
        fields=services.TicketFields(),
        now=timezone.now(),
    )
    agent = ticket.team.members.first() or User.objects.get(username="lead")
    log_in_desk(page, demo.url, agent.username, f"/desk/tickets/{ticket.reference}/")
    page.locator("#composer-body").fill("Please send us your seed phrase so we can check the wallet.")
    page.locator("#send-button").click()
    expect(page.locator("#composer-msg")).to_contain_text("seed phrase")
    assert Message.objects.filter(ticket=ticket).count() == 1
    shot(page, "secret-guard-02-desk-refused")
