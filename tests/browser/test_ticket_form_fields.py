"""The new-ticket form's structured fields in a real browser: the precise identifier message kept
through submit, the XRP destination tag required with its hint, amounts typed with a thousands
separator, and the branded error pages — with screenshots at desktop (1366x768) and phone
(390x844) width in artifacts/screenshots/.

Run: .venv/bin/pytest tests/browser -q  (needs Chromium; see README "Tests and checks").
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import loader
from django.test import RequestFactory
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from tickets.models import Ticket

from .conftest import ConsoleErrors, log_in, shot

pytestmark = pytest.mark.browser

TRON_TXID = "90e060daabd4d993a94a39eeffcfcd04da4e01b843b78f7e533189ab55b32e96"
XRP_TXID = "7a2306a8000fd8b6d1c477cc8022695e0f3c1bbefd22982b775665adc816b614"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def open_deposit_form(page: Page, base: str, *, network: str, asset: str) -> None:
    log_in(page, base, "alice", next_path="/tickets/new/")
    page.goto(f"{base}/tickets/new/?category=deposit_missing")
    expect(page.locator("#step-details")).to_be_visible()
    page.locator("#f-network").select_option(network)
    expect(page.locator("#f-asset")).to_be_enabled()
    page.locator("#f-asset").select_option(asset)


def submit_until_filed(page: Page) -> None:
    """Submit; the demo has open deposits of alice's, so the form may ask once about a possible
    duplicate first: file anyway."""
    page.locator("#submit-button").click()
    page.locator("#file-anyway, #page-alerts, #error-summary:not([hidden])").first.wait_for()
    if page.locator("#file-anyway").is_visible():
        page.locator("#file-anyway").click()
    page.wait_for_url(re.compile(r"/tickets/[^/]+/\?filed=1$"))


def fill_story(page: Page, subject: str) -> None:
    page.locator("#f-subject").fill(subject)
    page.locator("#f-body").fill("Sent from my wallet an hour ago, not credited yet.")


def test_precise_txid_message_stays_after_submit(demo, page: Page, console_errors: ConsoleErrors):
    console_errors.watch(page)
    open_deposit_form(page, demo.url, network="tron", asset="USDT")
    page.locator("#f-amount").fill("250")
    page.locator("#f-txid").fill("0x" + TRON_TXID)
    precise = "On this network a transaction hash has 64 hex characters without 0x."
    expect(page.locator("#f-txid-msg")).to_have_text(precise)
    fill_story(page, "USDT deposit missing")

    page.locator("#submit-button").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#f-txid-msg")).to_have_text(precise)
    expect(page.locator("#error-summary")).to_contain_text(precise)
    assert not Ticket.objects.filter(subject="USDT deposit missing").exists()
    assert console_errors == []


def test_xrp_destination_tag_is_required_with_its_hint(demo, page: Page, console_errors: ConsoleErrors):
    console_errors.watch(page)
    open_deposit_form(page, demo.url, network="xrp", asset="XRP")
    memo_row = page.locator("[data-field=memo]")
    expect(memo_row).to_be_visible()
    expect(page.locator("#f-memo-label")).to_have_text("Destination tag")
    expect(memo_row.locator(".req")).to_be_visible()
    expect(memo_row.locator(".optional")).to_be_hidden()
    expect(page.locator("#f-memo")).to_have_attribute("aria-required", "true")
    hint = re.compile(r"^XRP deposits need the destination tag")
    expect(page.locator("#f-memo-hint")).to_have_text(hint)
    page.locator("#f-amount").fill("120")
    page.locator("#f-txid").fill(XRP_TXID)
    fill_story(page, "XRP deposit without tag")

    page.locator("#submit-button").click()
    expect(page.locator("#f-memo-msg")).to_have_text("Please fill in this field.")
    expect(page.locator("#error-summary")).to_contain_text("Destination tag")
    assert not Ticket.objects.filter(subject="XRP deposit without tag").exists()

    page.locator("#f-memo").fill("104857")
    submit_until_filed(page)
    assert Ticket.objects.get(subject="XRP deposit without tag").memo == "104857"
    assert console_errors == []


def test_amount_with_a_thousands_separator_is_filed(demo, page: Page, console_errors: ConsoleErrors):
    console_errors.watch(page)
    open_deposit_form(page, demo.url, network="tron", asset="USDT")
    page.locator("#f-amount").fill("1,000.50")
    page.locator("#f-txid").fill(TRON_TXID)
    expect(page.locator("#f-txid-msg")).to_have_class(re.compile(r"\bis-ok\b"))
    expect(page.locator("#f-amount-msg")).to_be_empty()
    fill_story(page, "Big USDT deposit missing")
    submit_until_filed(page)
    assert Ticket.objects.get(subject="Big USDT deposit missing").amount == Decimal("1000.50")
    assert console_errors == []


def test_ambiguous_amount_is_refused_in_the_form(demo, page: Page):
    open_deposit_form(page, demo.url, network="tron", asset="USDT")
    page.locator("#f-amount").fill("1.000,50")
    expect(page.locator("#f-amount-msg")).to_contain_text("1,000.50 or 1000.50")


def _overflow(page: Page) -> bool:
    scroll_width, inner_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]"
    )
    return scroll_width > min(inner_width, client_width) + 1


def test_error_pages_and_memo_form_at_desktop_and_phone_width(demo, browser: Browser, settings_debug_off):
    base = demo.url
    problems = []
    for size, viewport in SIZES.items():
        for language in ("en", "zh-hans"):
            context = browser.new_context(
                viewport=viewport,
                locale="zh-CN" if language == "zh-hans" else "en-US",
                extra_http_headers={"Accept-Language": language},
                is_mobile=size == "phone",
                has_touch=size == "phone",
            )
            try:
                page = context.new_page()
                response = page.goto(f"{base}/no-such-page/")
                assert response.status == 404
                expect(page.locator("html")).to_have_attribute("lang", language)
                expect(page.locator("[data-contact-support]")).to_be_visible()
                expect(page.locator(".error-page h1")).to_be_visible()
                if _overflow(page):
                    problems.append(f"404 {language} @ {size}: horizontal overflow")
                shot(page, f"error-404-{language}-{size}")
                # 403 and 500 as their handlers render them (500.html with no request or context),
                # served at a made-up URL of the live server so that the static files load.
                for code, body in rendered_403_and_500(language).items():
                    page.route(f"{base}/render-{code}/", serve(code, body))
                    page.goto(f"{base}/render-{code}/")
                    expect(page.locator("[data-contact-support]")).to_be_visible()
                    if _overflow(page):
                        problems.append(f"{code} {language} @ {size}: horizontal overflow")
                    shot(page, f"error-{code}-{language}-{size}")
                if language == "en":
                    open_deposit_form(page, base, network="xrp", asset="XRP")
                    page.locator("#submit-button").click()
                    expect(page.locator("#f-memo-msg")).not_to_be_empty()
                    if _overflow(page):
                        problems.append(f"XRP form @ {size}: horizontal overflow")
                    shot(page, f"form-xrp-memo-{size}")
            finally:
                context.close()
    assert problems == [], problems


def serve(code: int, body: str):
    def fulfill(route) -> None:
        route.fulfill(status=code, body=body, content_type="text/html; charset=utf-8")

    return fulfill


def rendered_403_and_500(language: str) -> dict[int, str]:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    with translation.override(language):
        return {
            403: loader.render_to_string("403.html", request=request),
            500: loader.get_template("500.html").render(),
        }


@pytest.fixture
def settings_debug_off():
    """The live server answers like production (branded error pages, not the debug ones)."""
    assert settings.DEBUG is False  # the test settings already run with DEBUG off
