"""Official contacts in a real browser (issue 12 item 8): a lead keeps the list from the desk, and
the public check calls a contact not on it NOT official, with our contacts of that kind to compare.

Run: .venv/bin/pytest tests/browser/test_official_contacts.py -q (screenshots: artifacts/screenshots/).
"""

import pytest
from playwright.sync_api import Browser, expect

from knowledge.models import OfficialContact

from .conftest import ConsoleErrors, shot
from .test_desk import LAPTOP, PHONE, log_in_desk, new_context

pytestmark = pytest.mark.browser


def test_lead_adds_and_retires_a_contact_and_the_check_lists_the_active_ones(demo, browser: Browser):
    base = demo.url
    context = new_context(browser, viewport=LAPTOP)
    try:
        page = context.new_page()
        errors = ConsoleErrors()
        errors.watch(page)
        log_in_desk(page, base, "lead", "/desk/contacts/")
        expect(page.locator("#contacts-page[data-ready]")).to_be_attached()
        expect(page.locator("#nav-contacts")).to_have_attribute("aria-current", "page")

        # Typed as a link: stored (and shown) as the account.
        page.locator("#c-channel").select_option("telegram")
        page.locator("#c-value").fill("https://t.me/DeskHelpBot")
        page.locator("#c-label").fill("Help bot")
        page.locator("#contact-save").click()
        expect(page.locator("#desk-toast")).to_contain_text("@deskhelpbot")
        added = OfficialContact.objects.get(channel="telegram", value="deskhelpbot")
        row = page.locator(f'#contact-rows tr[data-contact-id="{added.pk}"]')
        expect(row).to_contain_text("Help bot")

        # One already listed (the demo's): the error is at the field, nothing is added.
        page.locator("#c-channel").select_option("telegram")
        page.locator("#c-value").fill("@ExchangeSupport")
        page.locator("#contact-save").click()
        expect(page.locator("#c-value-error")).to_contain_text("already in the list")
        expect(page.locator("#c-value")).to_have_attribute("aria-invalid", "true")
        shot(page, "contacts-01-duplicate-desktop", full_page=False)

        row.get_by_role("button", name="Deactivate @deskhelpbot").click()
        expect(row.locator(".contact-inactive")).to_be_visible()
        added.refresh_from_db()
        assert added.is_active is False
        errors[:] = [e for e in errors if "400 (Bad Request)" not in e]  # the duplicate's answer
        assert errors == []
    finally:
        context.close()

    phone = new_context(browser, viewport=PHONE, phone=True)
    try:
        page = phone.new_page()
        page.goto(f"{base}/verify/")
        page.locator("#verify-contact").fill("@ExchangeSupport_Help")
        page.locator("#verify-button").click()
        verdict = page.locator("#verdict[data-official=false]")
        expect(verdict.locator("h2")).to_have_text("NOT an official contact")
        expect(verdict.locator(".official-list")).to_contain_text("@exchangesupport")
        expect(verdict.locator(".official-list")).not_to_contain_text("deskhelpbot")  # inactive
        expect(verdict.locator("#verdict-report")).to_have_attribute("href", "/contact/?category=account_compromised")
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width + 1
        shot(page, "contacts-02-verify-not-official-phone")
    finally:
        phone.close()
