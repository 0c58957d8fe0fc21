"""The new-ticket form's "This is a formal complaint" checkbox (issue 13, item 2): on the
customer's and the guest's form; ticket-form.js sends it as `is_complaint` on POST tickets/."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_new_ticket_form_offers_the_formal_complaint_checkbox(client):
    client.force_login(CustomerFactory())
    content = client.get("/tickets/new/").content
    assert b'id="f-is_complaint"' in content and b"This is a formal complaint" in content


def test_the_form_script_sends_the_complaint_flag():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "portal/static/portal/ticket-form.js").read_text()
    assert "data.is_complaint = true" in script
