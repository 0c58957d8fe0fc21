"""Saved views and macros in a real browser (issue 10, items 3 and 4): a lead saves a view, shares
it with a team, and the counts shown equal the API's; an agent writes a macro with its preview.

Run: .venv/bin/pytest tests/browser/test_saved_views_and_macros.py -q (screenshots: artifacts/screenshots/).
"""

import re

import pytest
from playwright.sync_api import Browser, expect
from rest_framework.test import APIClient

from accounts.models import User
from desk.models import SavedView
from tickets.models import OPEN_STATUS_VALUES, Macro, Ticket

from .conftest import ConsoleErrors, shot
from .test_desk import LAPTOP, PHONE, ROWS, log_in_desk, new_context, open_queue

pytestmark = pytest.mark.browser


def api_counts(username: str) -> dict:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    response = client.get("/api/v1/views/counts/")
    assert response.status_code == 200
    return response.json()


def shown_counts(page) -> dict:
    return page.evaluate(
        """() => ({
            builtin: Object.fromEntries(Array.from(document.querySelectorAll('[data-count-builtin]'),
                (el) => [el.dataset.countBuiltin, el.textContent])),
            saved: Object.fromEntries(Array.from(document.querySelectorAll('[data-count-saved]'),
                (el) => [el.dataset.countSaved, el.textContent])),
        })"""
    )


def test_lead_saves_a_view_shares_it_and_the_counts_match_the_api(demo, browser: Browser):
    base = demo.url
    context = new_context(browser, viewport=LAPTOP)
    try:
        page = context.new_page()
        errors = ConsoleErrors()
        errors.watch(page)
        open_queue(page, base, "lead")
        expect(page.locator("#views[data-counts-ready]")).to_be_attached()

        # The current filters: payments' tickets. Saved with fewer columns, shared with the team.
        page.locator("#f-team").select_option("payments")
        expect(page).to_have_url(re.compile(r"team=payments"))
        page.locator("#view-save").click()
        dialog = page.locator("#view-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("#view-filters-summary")).to_contain_text("team=payments")
        dialog.locator("#view-name").fill("Payments desk")
        dialog.locator("#view-team").select_option("payments")
        dialog.locator("#view-col-amount").uncheck()
        shot(page, "views-01-save-dialog", full_page=False)
        dialog.locator("#view-submit").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("#desk-toast")).to_contain_text("shared with Payments")

        view = SavedView.objects.get(name="Payments desk")
        assert (view.team.code, view.owner, view.filters) == ("payments", None, {"team": "payments"})
        assert "amount" not in view.columns
        link = page.locator(f'#saved-views a[data-view="{view.pk}"]')
        expect(link).to_have_attribute("aria-current", "page")
        expect(page).to_have_url(re.compile(rf"\?view={view.pk}$"))
        expect(page.locator(".queue-table th.col-amount")).to_be_hidden()

        # The counts shown are the API's, for the built-in views and the saved one.
        expect(page.locator(f'[data-count-saved="{view.pk}"]')).not_to_be_empty()
        api = api_counts("lead")
        expected = {
            "builtin": {row["key"]: row["display"] for row in api["builtin"]},
            "saved": {str(row["id"]): row["display"] for row in api["saved"]},
        }
        assert shown_counts(page) == expected
        payments_open = Ticket.objects.filter(team__code="payments", status__in=OPEN_STATUS_VALUES)
        assert expected["saved"][str(view.pk)] == str(payments_open.count())
        expect(page.locator(ROWS)).to_have_count(payments_open.count())
        shot(page, "views-02-shared-view-desktop", full_page=False)

        # Opened from its URL, the view brings its filters back.
        page.goto(f"{base}/desk/?view={view.pk}")
        expect(page.locator("body[data-queue-ready]")).to_be_attached()
        expect(page.locator(ROWS)).to_have_count(payments_open.count())
        assert errors == []
    finally:
        context.close()

    # A payments agent sees the team's view, with the same count, and cannot change it.
    phone = new_context(browser, viewport=PHONE, phone=True)
    try:
        page = phone.new_page()
        open_queue(page, base, "agent1")
        link = page.locator(f'#saved-views a[data-view="{view.pk}"]')
        expect(link).to_contain_text("Payments desk")
        expect(page.locator("#views[data-counts-ready]")).to_be_attached()
        agent_api = {str(row["id"]): row["display"] for row in api_counts("agent1")["saved"]}
        expect(link.locator(".view-count")).to_have_text(agent_api[str(view.pk)])
        link.click()
        expect(page).to_have_url(re.compile(rf"\?view={view.pk}$"))
        expect(page.locator("#view-edit")).to_be_hidden()
        shot(page, "views-03-team-view-phone", full_page=False)
    finally:
        phone.close()


def test_agent_writes_a_personal_macro_with_a_preview_and_deletes_it(demo, browser: Browser):
    base = demo.url
    ticket = Ticket.objects.filter(requester__username="bob").first()
    context = new_context(browser, viewport=LAPTOP)
    try:
        page = context.new_page()
        errors = ConsoleErrors()
        errors.watch(page)
        log_in_desk(page, base, "agent1", "/desk/macros/")
        expect(page.locator("#macros-page[data-ready]")).to_be_attached()
        expect(page.locator("#nav-macros")).to_have_attribute("aria-current", "page")
        shot(page, "macros-01-list-desktop", full_page=False)

        page.locator("#macro-new").click()
        page.locator("#m-name").fill("Chasing the bank")
        page.locator("#m-body").fill("Hello {customer_name}, about {reference}: we asked the bank. {nickname}")
        page.locator("#m-status").select_option("pending_customer")
        page.locator("#m-ticket").fill(ticket.reference)
        preview = page.locator("#m-preview-body")
        expect(preview).to_have_text(f"Hello Bob, about {ticket.reference}: we asked the bank. {{nickname}}")
        expect(page.locator("#m-preview-changes")).to_contain_text("Set the status to Waiting on customer")
        expect(page.locator("#m-preview-warning")).to_contain_text("{nickname}")
        shot(page, "macros-02-editor-preview-desktop", full_page=False)
        page.locator("#macro-save").click()
        expect(page.locator("#desk-toast")).to_contain_text("Macro saved")
        macro = Macro.objects.get(name="Chasing the bank")
        assert (macro.owner.username, macro.team, macro.set_status) == ("agent1", None, "pending_customer")
        row = page.locator(f'#macro-rows tr[data-macro-id="{macro.pk}"]')
        expect(row).to_contain_text("Only me")

        # The shared demo macros are read only for an agent.
        expect(page.locator("#macro-rows")).to_contain_text("Read only")

        row.get_by_role("button", name="Delete Chasing the bank").click()
        expect(page.locator("#macro-delete-dialog")).to_be_visible()
        page.locator("#macro-delete-confirm").click()
        expect(row).to_have_count(0)
        macro.refresh_from_db()
        assert macro.is_active is False
        assert errors == []
    finally:
        context.close()

    phone = new_context(browser, viewport=PHONE, phone=True)
    try:
        page = phone.new_page()
        log_in_desk(page, base, "lead", "/desk/macros/")
        expect(page.locator("#macros-page[data-ready]")).to_be_attached()
        shot(page, "macros-03-list-phone", full_page=True)
        page.locator("#macro-new").click()
        page.locator("#m-body").fill("Hi {customer_name}")
        expect(page.locator("#m-preview-body")).to_have_text("Hi (customer name)")
        shot(page, "macros-04-editor-phone", full_page=True)
    finally:
        phone.close()
