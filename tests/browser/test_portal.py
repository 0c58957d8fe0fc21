"""The customer portal in a real browser: the main flows end to end, Chinese, and layout.

Run: .venv/bin/pytest tests/browser -q  (needs /usr/bin/chromium; screenshots go to artifacts/).
"""

import hashlib
import re
import struct
import time
import zlib
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from tickets import services
from tickets.models import Ticket
from tickets.networks import NETWORKS

from .conftest import DESKTOP, PHONE, ConsoleErrors, log_in, shot

pytestmark = pytest.mark.browser

VALID_BTC_TXID = "a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d"
INVALID_BTC_TXID = "0xa1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48"
POLL_MS = 20_000  # ticket-detail.js polls the ticket this often


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small, valid PNG (8-bit RGB, a blue square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x0b\x3b\x8c" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def wait_for(condition, *, timeout: float = 10.0, interval: float = 0.05):
    """Poll a server-side condition (e.g. the mail outbox) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def test_customer_files_a_withdrawal_ticket_and_follows_it_to_a_rating(demo, page: Page, console_errors: ConsoleErrors):
    base = demo.url
    console_errors.watch(page)
    # Controllable timers (time still flows): lets the test fast-forward the ticket page's poll.
    page.clock.install()
    alice = User.objects.get(username="alice")
    agent1 = User.objects.get(username="agent1")

    log_in(page, base, "alice")
    shot(page, "customer-01-home-logged-in")

    # The contact control leads a logged-in customer straight to the form.
    page.locator("[data-contact-support]").click()
    page.wait_for_url(f"{base}/tickets/new/")
    page.get_by_role("button", name=re.compile("Withdrawal delayed or not received")).click()
    expect(page.locator("#step-details")).to_be_visible()
    expect(page.locator("#chosen-category-name")).to_have_text("Withdrawal delayed or not received")
    # The seeded BTC incident is shown next to the form.
    expect(page.locator("#incident-slot")).to_contain_text("BTC withdrawals are delayed")

    page.locator("#f-network").select_option("bitcoin")
    expect(page.locator("#f-asset")).to_be_enabled()
    page.locator("#f-asset").select_option("BTC")
    page.locator("#f-amount").fill("0.25")

    # A txid that cannot be a Bitcoin one: the checker says so at the field.
    txid = page.locator("#f-txid")
    txid_message = page.locator("#f-txid-msg")
    txid.fill(INVALID_BTC_TXID)
    expect(txid_message).to_have_class(re.compile(r"\bis-error\b"))
    expect(txid_message).not_to_be_empty()
    expect(txid).to_have_attribute("aria-invalid", "true")
    shot(page, "customer-02-invalid-txid")
    txid.fill(VALID_BTC_TXID)
    expect(txid_message).to_have_class(re.compile(r"\bis-ok\b"))
    expect(txid).not_to_have_attribute("aria-invalid", "true")

    subject = "Why is my withdrawal delayed?"
    page.locator("#f-subject").fill(subject)
    page.locator("#f-body").fill("My BTC withdrawal has been pending since this morning.")
    expect(page.locator("#suggestions a", has_text="Why is my withdrawal delayed?")).to_be_visible()

    png = png_bytes()
    page.locator("#file-input-new-ticket").set_input_files(
        files=[{"name": "withdrawal-screen.png", "mimeType": "image/png", "buffer": png}]
    )
    expect(page.locator("[data-file-list] li", has_text="withdrawal-screen.png")).to_be_visible()
    shot(page, "customer-03-form-filled")

    page.locator("#submit-button").click()
    page.wait_for_url(re.compile(r"/tickets/[^/]+/(\?filed=1)?$"))
    ticket = Ticket.objects.get(requester=alice, subject=subject)
    assert ticket.txid == VALID_BTC_TXID

    # The ticket page: reference, the SLA promise, the queue position, the file's SHA-256.
    expect(page.locator("#page-alerts")).to_contain_text("Your ticket was filed")
    expect(page.locator("#ref-line .ref-code")).to_have_text(ticket.reference)
    expect(page.locator("#promise-body .promise-main")).to_contain_text("A person will answer by")
    expect(page.locator("#countdown")).to_contain_text("in ")
    queue = page.locator("#promise-body .promise-facts div", has_text="Place in queue")
    expect(queue.locator("dd")).to_have_text(re.compile(r"^#\d+$"))
    sha = hashlib.sha256(png).hexdigest()
    expect(page.locator("#attachments li", has_text="withdrawal-screen.png").locator(".sha")).to_have_text(
        f"SHA-256: {sha}"
    )
    assert ticket.attachments.get().sha256 == sha
    shot(page, "customer-04-ticket-filed")

    # The customer adds a message.
    page.locator("#reply-body").fill("The withdrawal ID in my history is W-5521.")
    page.locator("#reply-button").click()
    expect(page.locator("#reply-msg")).to_have_text("Reply sent.")
    expect(page.locator("#messages .msg-customer").last).to_contain_text("W-5521")

    # An agent answers (through the services, as the agent desk would); the page's poll shows it.
    agent_text = "Hello Alice, your withdrawal was in the delayed batch; it is being re-sent now."
    services.message_add(ticket=ticket, author=agent1, body=agent_text, now=timezone.now())
    page.clock.run_for(POLL_MS + 1000)
    expect(page.locator("#messages .msg-agent")).to_contain_text(agent_text)
    expect(page.locator("#promise-body .promise-main")).to_have_text("Answered")
    shot(page, "customer-05-agent-replied")

    # Solved by the agent: the customer reloads, rates five stars with a comment.
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Ticket.Status.SOLVED, now=timezone.now())
    page.reload()
    rating = page.locator("#rating-card")
    expect(rating.locator("#rating-title")).to_have_text("Your ticket is solved")
    rating.locator("label[for=rating-5]").click()
    expect(rating.locator("#rating-caption")).to_have_text("5 of 5 — Excellent")
    rating.locator("#rating-comment").fill("Quick and clear, thank you.")
    shot(page, "customer-06-rating")
    rating.get_by_role("button", name="Send rating").click()
    expect(rating.locator("#rating-title")).to_have_text("Your rating")
    expect(rating).to_contain_text("5 of 5 — Excellent")
    expect(rating.locator("blockquote")).to_have_text("Quick and clear, thank you.")
    ticket.refresh_from_db()
    assert ticket.satisfaction.rating == 5
    assert ticket.satisfaction.comment == "Quick and clear, thank you."
    shot(page, "customer-07-rated")
    assert console_errors == []


def test_guest_files_via_cant_log_in_and_opens_the_ticket_from_the_mailed_link(
    demo, page: Page, console_errors: ConsoleErrors
):
    base = demo.url
    console_errors.watch(page)
    email = "dana@example.org"
    subject = "Locked out after losing my phone"

    page.goto(f"{base}/")
    page.locator("[data-contact-support]").click()
    page.wait_for_url(f"{base}/contact/")
    shot(page, "guest-01-contact-choice")
    page.locator("section.choice", has=page.locator("#choice-guest")).get_by_role(
        "link", name="Get help without logging in"
    ).click()
    page.wait_for_url(f"{base}/guest/new/")

    page.get_by_role("button", name=re.compile("Account locked or 2FA lost")).click()
    expect(page.locator("#step-details")).to_be_visible()
    page.locator("#f-email").fill(email)
    page.locator("#f-subject").fill(subject)
    page.locator("#f-body").fill("My phone with the authenticator app was stolen, I cannot log in any more.")
    shot(page, "guest-02-form-filled")
    page.locator("#submit-button").click()

    sent = page.locator("#guest-sent")
    expect(sent).to_be_visible()
    expect(sent).to_contain_text("Check your e-mail")
    shot(page, "guest-03-check-your-email")

    def guest_mail():
        return next((m for m in mail.outbox if email in m.to and "/guest/" in m.body), None)

    message = wait_for(guest_mail)
    assert message is not None, [(m.to, m.subject) for m in mail.outbox]
    found = re.search(r"https?://[^\s/]+(/guest/#k=[A-Za-z0-9_-]+)", message.body)
    assert found, message.body
    link = f"{base}{found.group(1)}"
    assert urlsplit(link).netloc == urlsplit(base).netloc

    ticket = Ticket.objects.get(subject=subject)
    page.goto(link)
    expect(page.locator("#ticket-subject")).to_have_text(subject)
    # The secret came in the fragment and left the address bar at once.
    assert "#k=" not in page.url
    expect(page.locator("#ref-line .ref-code")).to_have_text(ticket.reference)
    expect(page.locator("#promise-body .promise-main")).to_contain_text("A person will answer by")

    page.locator("#reply-body").fill("I can send a photo of my ID if that helps.")
    page.locator("#reply-button").click()
    expect(page.locator("#reply-msg")).to_have_text("Reply sent.")
    expect(page.locator("#messages .msg-customer").last).to_contain_text("photo of my ID")
    assert ticket.messages.filter(body__contains="photo of my ID").exists()
    shot(page, "guest-04-ticket-from-link")
    assert console_errors == []


# Latin words that may stay on a Chinese page: technical tokens and file types, the time zone,
# asset codes, the language switch's own "English" and the demo customer's name. Network names
# (proper names from the registry, e.g. "BNB Smart Chain (BEP-20)") are removed before the check.
ALLOWED_LATIN = {"TxID", "SHA", "UTC", "GMT", "KYC", "API", "PDF", "eml", "txt", "English", "Bob"} | {
    asset for network in NETWORKS.values() for asset in network.assets
}


def visible_text(page: Page) -> str:
    """What a reader sees or hears: the body text, the title, and the placeholders, labels and
    tooltips of rendered elements."""
    attributes = page.evaluate(
        """() => {
            const out = [];
            for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
                if (!el.getClientRects().length) continue;  // not rendered
                for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
                    const value = el.getAttribute(name);
                    if (value) out.push(value);
                }
            }
            return out;
        }"""
    )
    return "\n".join([page.title(), page.inner_text("body"), *attributes])


def english_words(page: Page) -> list[str]:
    """The Latin words of 3+ letters a reader meets on the page, less the allowed ones."""
    text = visible_text(page)
    for network in NETWORKS.values():
        text = text.replace(network.name, " ")
    return sorted(set(re.findall(r"[A-Za-z]{3,}", text)) - ALLOWED_LATIN)


def test_new_ticket_page_in_chinese_has_no_untranslated_english(demo, browser: Browser):
    base = demo.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    try:
        page = context.new_page()
        errors = ConsoleErrors()
        errors.watch(page)
        # bob's saved language is zh-hans; the browser asks for Chinese too.
        log_in(page, base, "bob", next_path="/tickets/new/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        page.get_by_role("button", name=re.compile("提现延迟或未到账")).click()
        expect(page.locator("#step-details")).to_be_visible()
        page.locator("#f-network").select_option("bitcoin")
        expect(page.locator("#f-asset")).to_be_enabled()
        # The BTC incident and a suggested article are on the page too (both localised).
        expect(page.locator("#incident-slot")).to_contain_text("BTC 提现延迟")
        page.locator("#f-subject").fill("提现延迟")
        expect(page.locator("#suggestions a").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        shot(page, "zh-01-new-ticket")
        untranslated = {"form": english_words(page)}

        # The messages for bad input are in Chinese too: the checker's and the form's own.
        page.locator("#f-txid").fill(INVALID_BTC_TXID)
        expect(page.locator("#f-txid-msg")).to_have_class(re.compile(r"\bis-error\b"))
        page.locator("#submit-button").click()
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#f-body-msg")).not_to_be_empty()
        shot(page, "zh-02-new-ticket-errors")
        untranslated["errors"] = english_words(page)

        assert untranslated == {"form": [], "errors": []}, (
            f"English left on the zh-hans new-ticket page: {untranslated}"
        )
        assert errors == []
    finally:
        context.close()


PUBLIC_PAGES = [("home", "/"), ("guest-new", "/guest/new/"), ("verify", "/verify/")]
CUSTOMER_PAGES = [("ticket-new", "/tickets/new/"), ("ticket-list", "/tickets/"), ("ticket-detail", None)]
READY = {
    "home": "#category-grid:not([aria-busy])",
    "guest-new": "#category-grid:not([aria-busy])",
    "verify": "#verify-form",
    "ticket-new": "#category-grid:not([aria-busy])",
    "ticket-list": "#ticket-list-root:not([aria-busy])",
    "ticket-detail": "#ticket-root:not([aria-busy])",
}


def check_page(page: Page, errors: ConsoleErrors, url: str, name: str, size: str) -> list[str]:
    """Open a page and return what is wrong with it at this width."""
    errors.clear()
    page.goto(url)
    expect(page.locator(READY[name])).to_be_attached()
    page.wait_for_load_state("networkidle")
    problems = []
    if not page.locator("[data-contact-support]").is_visible():
        problems.append("the contact control is not visible")
    # With mobile emulation Chromium widens window.innerWidth to fit wide content (it zooms out),
    # which would hide the overflow: compare with the layout viewport (clientWidth) as well.
    scroll_width, inner_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > min(inner_width, client_width) + 1:
        problems.append(
            f"horizontal overflow: scrollWidth {scroll_width} > innerWidth {inner_width} / clientWidth {client_width}"
        )
    problems.extend(errors)
    shot(page, f"layout-{name}-{size}")
    return [f"{name} @ {size}: {problem}" for problem in problems]


def test_main_pages_render_at_desktop_and_phone_width(demo, browser: Browser):
    base = demo.url
    ticket = Ticket.objects.filter(requester__username="alice", subject="Verification rejected twice").get()
    problems = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(
            viewport=viewport, locale="en-US", is_mobile=size == "phone", has_touch=size == "phone"
        )
        try:
            page = context.new_page()
            errors = ConsoleErrors()
            errors.watch(page)
            for name, path in PUBLIC_PAGES:
                problems += check_page(page, errors, f"{base}{path}", name, size)
            log_in(page, base, "alice")
            for name, path in CUSTOMER_PAGES:
                path = path or f"/tickets/{ticket.reference}/"
                problems += check_page(page, errors, f"{base}{path}", name, size)
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
