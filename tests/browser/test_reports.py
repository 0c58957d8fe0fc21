"""The lead's reports page in a real browser: the charts are drawn and the CSV it downloads has
the API's numbers."""

import csv
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect
from rest_framework.test import APIClient

from accounts.models import User
from tickets import services
from tickets.models import Ticket

from .conftest import ConsoleErrors, shot
from .test_desk import LAPTOP, log_in_desk, new_context

pytestmark = pytest.mark.browser


def test_lead_reads_the_charts_and_downloads_the_apis_numbers(demo, browser: Browser):
    agent = User.objects.get(username="agent1")
    for ticket in Ticket.objects.filter(team__members=agent, first_response_at__isnull=True)[:2]:
        services.message_add(ticket=ticket, author=agent, body="Looking into it now.", now=timezone.now())
    context = new_context(browser, viewport=LAPTOP)
    errors = ConsoleErrors()
    page = errors.watch(context.new_page())
    log_in_desk(page, demo.url, "lead", "/desk/reports/")
    expect(page.locator("#groups-rows tr").first).to_be_visible()
    expect(page.locator("#chart-compliance svg rect.bar-fill").first).to_be_attached()
    expect(page.locator("#chart-groups svg")).to_be_attached()
    shot(page, "desk-reports-laptop")

    with page.expect_download() as download_info:
        page.locator("#csv-figures").click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text())))

    href = page.locator("#csv-figures").get_attribute("href")
    query = dict(part.split("=", 1) for part in href.split("?", 1)[1].split("&"))
    client = APIClient()
    client.force_authenticate(User.objects.get(username="lead"))
    params = {k: v.replace("%3A", ":") for k, v in query.items() if k not in ("format", "table")}
    report = client.get("/api/v1/reports/sla/", params).json()
    assert [row["key"] for row in rows] == ["", *(group["key"] for group in report["groups"])]
    for row, figures in zip(rows, [report, *report["groups"]], strict=True):
        assert int(row["tickets_created"]) == figures["tickets_created"]
        assert int(row["first_response_minutes_count"]) == figures["first_response_minutes"]["count"]
    assert int(rows[0]["first_response_minutes_count"]) >= 2  # the two answers just given at least
    assert not errors
    context.close()


def test_an_agent_is_told_reports_are_for_leads(demo, browser: Browser):
    context = new_context(browser, viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{demo.url}/login/?next=/desk/reports/")
    page.locator("input[name=username]").fill("agent1")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("form[action='/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", name="For team leads and admins")).to_be_visible()
    context.close()
