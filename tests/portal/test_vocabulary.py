"""One set of status words for customers: the portal's badges, the timeline and the export."""

import re
from pathlib import Path

import pytest

from tickets import services
from tickets.models import Ticket
from tickets.timeline import CUSTOMER_STATUS_LABELS

pytestmark = pytest.mark.django_db

I18N_JS = Path(__file__).resolve().parents[2] / "portal" / "static" / "portal" / "i18n.js"


def portal_badge_words() -> dict[str, str]:
    """statusLabel()'s table in i18n.js: `open: gettext("In progress"),` lines."""
    source = I18N_JS.read_text()
    body = re.search(r"export function statusLabel\(status\) \{(.*?)\n\}", source, re.DOTALL).group(1)
    return dict(re.findall(r'(\w+): gettext\("([^"]+)"\)', body))


@pytest.fixture
def opened(customer, category, agent, now):
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal pending",
        body="Still pending.",
        fields=services.TicketFields(asset="BTC", amount=1),
        now=now,
    )
    services.message_add(ticket=ticket, author=agent, body="Checking it now.", now=now)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    return ticket


def test_portal_badges_use_the_customer_status_words():
    assert portal_badge_words() == {status: str(label) for status, label in CUSTOMER_STATUS_LABELS.items()}


def test_every_status_has_a_customer_word():
    assert set(CUSTOMER_STATUS_LABELS) == set(Ticket.Status.values)


def test_timeline_names_the_status_as_the_badge_does(api_client, customer, opened):
    api_client.force_authenticate(customer)
    timeline = api_client.get(f"/api/v1/tickets/{opened.reference}/").json()["timeline"]
    texts = [entry["text"] for entry in timeline if entry["kind"] == "status_changed"]
    assert texts == [f"Status changed to “{portal_badge_words()['open']}”."]


def test_printable_export_shows_the_status_in_the_customers_words(api_client, customer, opened):
    api_client.force_authenticate(customer)
    response = api_client.get(f"/api/v1/tickets/{opened.reference}/export/?format=html")
    assert response.status_code == 200
    assert re.search(r"<th>Status</th><td>In progress</td>", response.content.decode())
