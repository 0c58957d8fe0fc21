"""Account pages and the staff two-factor step in a real browser: a customer saves an
anti-phishing code on /account/; an agent enrols at /desk/security/ by reading the QR's key,
then logs in again through the code step. Screenshots at 1366 wide and on a phone."""

import time
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from accounts.models import CustomerProfile

from .conftest import ConsoleErrors, log_in, shot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def totp_now(secret: str) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_customer_sets_the_anti_phishing_code_on_the_account_page(
    demo, browser: Browser, viewport, console_errors: ConsoleErrors, request
):
    page: Page = console_errors.watch(browser.new_page(viewport=viewport))
    request.addfinalizer(page.close)  # no request of this page may still run when the database is flushed
    log_in(page, demo.url, "alice", next_path="/account/")
    code = page.locator("#account-code")
    expect(code).to_have_value("ALICE-7F3K")
    code.fill("Blue heron 42")
    page.locator("#phishing-save").click()
    expect(page.locator("#account-code-msg")).to_contain_text("Saved")
    assert CustomerProfile.objects.get(user__username="alice").anti_phishing_code == "Blue heron 42"
    expect(page.locator("#account-tz option")).not_to_have_count(1)
    shot(page, f"account-{viewport['width']}")
    assert console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_agent_enrols_and_the_next_login_asks_for_the_code(
    demo, browser: Browser, viewport, console_errors: ConsoleErrors, request
):
    page: Page = console_errors.watch(browser.new_page(viewport=viewport))
    request.addfinalizer(page.close)  # the desk polls: close it before the database is flushed
    log_in(page, demo.url, "agent1", next_path="/desk/security/")
    page.locator("#two-factor-begin").click()
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, f"desk-security-setup-{viewport['width']}")
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#confirm-code").fill(totp_now(secret))
    page.locator("form:has(#confirm-code) button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(settings.STAFF_RECOVERY_CODES)
    shot(page, f"desk-security-codes-{viewport['width']}")

    fresh: Page = console_errors.watch(browser.new_page(viewport=viewport))
    request.addfinalizer(fresh.close)
    fresh.goto(f"{demo.url}/login/?next=/desk/")
    fresh.locator("input[name=username]").fill("agent1")
    fresh.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    fresh.locator("form[action='/login/'] button[type=submit]").click()
    fresh.wait_for_url(lambda url: urlsplit(url).path == "/login/code/")
    fresh.locator("#id_otp_token").fill("000000")
    fresh.locator("#otp-form button[type=submit]").click()
    expect(fresh.locator("#otp-error")).to_be_visible()
    shot(fresh, f"login-code-error-{viewport['width']}")
    time.sleep(1.1)  # django-otp's throttle after one failure: 1 second
    recovery = page.locator("#recovery-codes li code").first.inner_text()
    fresh.locator("#id_otp_token").fill(recovery)
    fresh.locator("#otp-form button[type=submit]").click()
    fresh.wait_for_url(lambda url: urlsplit(url).path == "/desk/")
    assert console_errors == []
