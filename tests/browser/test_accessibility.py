"""Accessibility: axe-core (vendored under tests/browser/vendor/, MPL-2.0, so the check runs offline)
finds no serious or critical violation on the desk's and the portal's main pages.

One context per side (the desk as the lead, the portal logged out then as alice) keeps the browser
time small; each page's violations are collected and reported together.
Run: .venv/bin/pytest tests/browser/test_accessibility.py -q
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tickets.models import Ticket

from .conftest import log_in
from .test_desk import BREACHED_SUBJECT, log_in_desk, new_context

pytestmark = pytest.mark.browser

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}


def axe_problems(page: Page, name: str) -> list[str]:
    """Run axe on the page as it stands (evaluate is not subject to the page's CSP) and describe
    each serious or critical violation with the elements it was found on."""
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    problems = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = "; ".join(
            f"{' '.join(node['target'])} ({node.get('failureSummary', '').splitlines()[-1].strip()})"
            for node in violation["nodes"][:6]
        )
        problems.append(f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']} -> {targets}")
    return problems


def test_the_desk_pages_have_no_serious_accessibility_violation(demo, browser: Browser):
    call_command("sla_sweep", stdout=open("/dev/null", "w"))  # noqa: SIM115  (a breached row in the queue)
    base = demo.url
    ticket = Ticket.objects.get(subject=BREACHED_SUBJECT)
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in_desk(page, base, "lead", "/desk/")
        expect(page.locator("body[data-queue-ready]")).to_be_attached()
        problems = axe_problems(page, "queue")

        page.goto(f"{base}/desk/tickets/{ticket.reference}/")
        expect(page.locator("#ticket-root[data-ready]")).to_be_attached()
        problems += axe_problems(page, "workspace")

        page.goto(f"{base}/desk/reports/")
        expect(page.locator("#chart-compliance svg").first).to_be_attached()
        problems += axe_problems(page, "reports")

        page.goto(f"{base}/desk/macros/")
        expect(page.locator("#macros-page[data-ready]")).to_be_attached()
        problems += axe_problems(page, "macros")

        page.goto(f"{base}/desk/contacts/")
        expect(page.locator("#contacts-page[data-ready]")).to_be_attached()
        problems += axe_problems(page, "official contacts")

        page.goto(f"{base}/desk/access/")
        expect(page.locator("#access-page[data-ready]")).to_be_attached()
        problems += axe_problems(page, "access log")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_portal_pages_have_no_serious_accessibility_violation(demo, browser: Browser):
    base = demo.url
    ticket = Ticket.objects.filter(requester__username="alice", subject="Verification rejected twice").get()
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        expect(page.locator("#category-grid:not([aria-busy])")).to_be_attached()
        problems = axe_problems(page, "home (logged out)")

        log_in(page, base, "alice")
        expect(page.locator("#category-grid:not([aria-busy])")).to_be_attached()
        problems += axe_problems(page, "home")

        page.goto(f"{base}/tickets/new/")
        expect(page.locator("#category-grid:not([aria-busy])")).to_be_attached()
        problems += axe_problems(page, "new ticket")
        # The form itself: a category with structured fields (network, asset, amount, txid).
        page.get_by_role("button", name=re.compile("Withdrawal delayed or not received")).click()
        expect(page.locator("#step-details")).to_be_visible()
        page.locator("#f-network").select_option("bitcoin")
        problems += axe_problems(page, "new ticket form")

        page.goto(f"{base}/tickets/")
        expect(page.locator("#ticket-list-root:not([aria-busy])")).to_be_attached()
        problems += axe_problems(page, "ticket list")

        page.goto(f"{base}/tickets/{ticket.reference}/")
        expect(page.locator("#ticket-root:not([aria-busy])")).to_be_attached()
        problems += axe_problems(page, "ticket detail")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
