"""The complaints API: filing and marking, the letters, the register and the report."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.complaints.services import complaint_deadlines_sweep, complaint_final_response
from sla.config_cache import config_version_bump
from sla.models import Complaint, ComplaintPreset, SlaPolicy
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Ticket

RECEIVED = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def mica(sla_policy):
    policy = SlaPolicy.objects.create(
        name="Complaints (MiCA)",
        position=1,
        calendar=sla_policy.calendar,
        is_complaint=True,
        complaint_preset=ComplaintPreset.EU_MICA,
    )
    config_version_bump()
    return policy


def body(**extra):
    return {
        "category": "withdrawal_delayed",
        "subject": "Withdrawal missing",
        "body": "My withdrawal never arrived. This is a formal complaint.",
        "asset": "USDT",
        "amount": "25",
        **extra,
    }


def complaint(category, *, at=RECEIVED):
    return services.ticket_create(
        requester=CustomerFactory(),
        category=category,
        subject="Formal complaint",
        body="My withdrawal never arrived.",
        fields=services.TicketFields(asset="USDT", amount=Decimal("5")),
        is_complaint=True,
        now=at,
    )


def test_a_customer_files_a_formal_complaint(api_client, customer, category, mica):
    api_client.force_authenticate(customer)
    response = api_client.post("/api/v1/tickets/", body(is_complaint=True), format="json")
    assert response.status_code == 201
    assert response.data["is_complaint"] is True and response.data["complaint_received_at"] is not None
    assert Complaint.objects.filter(ticket__reference=response.data["reference"]).exists()


def test_a_ticket_filed_without_the_flag_is_no_complaint(api_client, customer, category, mica):
    api_client.force_authenticate(customer)
    response = api_client.post("/api/v1/tickets/", body(), format="json")
    assert response.data["is_complaint"] is False and not Complaint.objects.exists()


def test_the_customer_marks_their_ticket_as_a_complaint_later(api_client, customer, category, mica):
    api_client.force_authenticate(customer)
    reference = api_client.post("/api/v1/tickets/", body(), format="json").data["reference"]
    response = api_client.post(f"/api/v1/tickets/{reference}/complaint/", {}, format="json")
    assert response.status_code == 200 and response.data["is_complaint"] is True


def test_another_customer_cannot_mark_someone_elses_ticket(api_client, customer, other_customer, category, mica):
    api_client.force_authenticate(customer)
    reference = api_client.post("/api/v1/tickets/", body(), format="json").data["reference"]
    api_client.force_authenticate(other_customer)
    assert api_client.post(f"/api/v1/tickets/{reference}/complaint/", {}, format="json").status_code == 404


def test_a_customer_cannot_withdraw_the_complaint_flag(api_client, customer, category, mica):
    api_client.force_authenticate(customer)
    reference = api_client.post("/api/v1/tickets/", body(is_complaint=True), format="json").data["reference"]
    response = api_client.post(f"/api/v1/tickets/{reference}/complaint/", {"is_complaint": False}, format="json")
    assert response.status_code == 403


def test_an_agent_sends_the_final_response_through_the_api(api_client, agent, category, mica):
    ticket = complaint(category, at=datetime.now(UTC) - timedelta(days=1))
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/complaints/{ticket.reference}/letters/",
        {"kind": "final_response", "outcome": "upheld", "reasons": "Our error.", "remedies": "Refund."},
        format="json",
    )
    assert response.status_code == 201 and "We uphold your complaint." in response.data["body"]
    assert Complaint.objects.get(ticket=ticket).outcome == "upheld"


def test_a_customer_cannot_send_letters(api_client, category, mica):
    ticket = complaint(category)
    api_client.force_authenticate(ticket.requester)
    response = api_client.post(
        f"/api/v1/complaints/{ticket.reference}/letters/",
        {"kind": "final_response", "outcome": "upheld", "reasons": "x"},
        format="json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["customer", "agent"])
def test_only_leads_and_admins_read_the_register(api_client, request, who, mica):
    api_client.force_authenticate(request.getfixturevalue(who))
    assert api_client.get("/api/v1/complaints/").status_code == 403
    assert api_client.get("/api/v1/reports/complaints/").status_code == 403


def test_the_register_lists_complaints_with_their_deadlines_and_breaches(api_client, lead, category, mica):
    ticket = complaint(category)
    complaint_deadlines_sweep(now=RECEIVED + timedelta(days=70))
    api_client.force_authenticate(lead)
    response = api_client.get("/api/v1/complaints/")
    (row,) = response.json()["results"]
    assert row["reference"] == ticket.reference
    assert row["breaches"] == ["final_response"]
    assert row["decision_due_at"].startswith("2026-03-15")


def test_the_register_filters_breached_complaints(api_client, lead, category, mica):
    complaint(category)
    complaint(category, at=datetime.now(UTC))
    complaint_deadlines_sweep(now=RECEIVED + timedelta(days=70))
    api_client.force_authenticate(lead)
    assert api_client.get("/api/v1/complaints/?breached=true").data["count"] == 1
    assert api_client.get("/api/v1/complaints/?breached=false").data["count"] == 1


def test_the_register_costs_the_same_statements_whatever_the_page_size(api_client, lead, category, mica):
    for _ in range(6):
        complaint(category)
    api_client.force_authenticate(lead)

    def statements(size):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(f"/api/v1/complaints/?page_size={size}").status_code == 200
        return len(queries)

    statements(1)  # warm: the process's first read of what it caches
    assert statements(2) == statements(6) == 3  # the count, the page, its deadlines


def test_the_report_counts_by_quarter_topic_and_channel_with_steps_breaches_and_outcomes(
    api_client, lead, agent, category, mica
):
    first, second = complaint(category), complaint(category, at=datetime(2026, 4, 2, 9, 0, tzinfo=UTC))
    complaint_final_response(
        ticket=first, author=agent, outcome="rejected", reasons="No error.", now=RECEIVED + timedelta(days=10)
    )
    complaint_deadlines_sweep(now=datetime(2026, 6, 30, tzinfo=UTC))
    api_client.force_authenticate(lead)
    report = api_client.get("/api/v1/reports/complaints/?since=2026-01-01T00:00:00Z&until=2026-07-01T00:00:00Z").data
    assert [(r["quarter"], r["category"], r["channel"], r["complaints"]) for r in report["by_quarter"]] == [
        ("2026-Q1", "withdrawal_delayed", "web", 1),
        ("2026-Q2", "withdrawal_delayed", "web", 1),
    ]
    assert report["average_seconds"]["final_response"] == {"seconds": 10 * 86400.0, "count": 1}
    assert report["average_seconds"]["acknowledgement"]["seconds"] == 0
    assert report["deadlines"]["final_response"] == {"total": 2, "breached": 1}
    assert report["outcomes"] == {"rejected": 1}
    assert second.reference  # the breached one


def test_the_report_csv_has_the_api_numbers(api_client, lead, category, mica):
    complaint(category)
    api_client.force_authenticate(lead)
    query = "since=2026-01-01T00:00:00Z&until=2026-07-01T00:00:00Z"
    report = api_client.get(f"/api/v1/reports/complaints/?{query}").data
    response = api_client.get(f"/api/v1/reports/complaints/?{query}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    counts = {(r[1], r[2], r[3]): int(r[5]) for r in rows[1:] if r[0] == "by_quarter" and r[4] == "complaints"}
    assert counts == {(r["quarter"], r["category"], r["channel"]): r["complaints"] for r in report["by_quarter"]}
    breached = {r[4]: int(r[5]) for r in rows if r[0] == "deadlines"}
    assert breached["final_response.total"] == report["deadlines"]["final_response"]["total"]


def test_ticket_creation_without_a_complaint_loads_no_language_detector(api_client, customer, category, mica):
    from sla.complaints import language

    language._detector.cache_clear()
    api_client.force_authenticate(customer)
    api_client.post("/api/v1/tickets/", body(), format="json")
    assert language._detector.cache_info().currsize == 0
    assert Ticket.objects.count() == 1


def test_a_lead_chooses_a_policy_complaint_preset_through_the_api(api_client, lead, sla_policy):
    api_client.force_authenticate(lead)
    response = api_client.post(
        "/api/v1/sla/policies/",
        {
            "name": "UK complaints",
            "calendar": sla_policy.calendar_id,
            "is_complaint": True,
            "complaint_preset": "uk_disp_payments",
            "complaint_deadlines": {"acknowledgement": {"amount": 60, "unit": "working_minutes"}},
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.data["complaint_preset"] == "uk_disp_payments"


def test_a_complaint_deadline_in_an_unknown_unit_is_refused(api_client, lead, sla_policy):
    api_client.force_authenticate(lead)
    response = api_client.post(
        "/api/v1/sla/policies/",
        {
            "name": "Bad",
            "calendar": sla_policy.calendar_id,
            "complaint_deadlines": {"final_response": {"amount": 2, "unit": "fortnights"}},
        },
        format="json",
    )
    assert response.status_code == 400 and "complaint_deadlines" in response.data


def test_the_detail_says_until_when_a_disp_summary_resolution_is_allowed(api_client, agent, category, mica):
    mica.complaint_preset = ComplaintPreset.UK_DISP
    mica.save(update_fields=["complaint_preset"])
    ticket = complaint(category)
    api_client.force_authenticate(agent)
    response = api_client.get(f"/api/v1/complaints/{ticket.reference}/")
    assert response.status_code == 200
    assert response.data["summary_resolution_until"] is not None
    assert response.data["summary_resolution_until"] > RECEIVED


def test_a_mica_complaint_offers_no_summary_resolution(api_client, agent, category, mica):
    ticket = complaint(category)
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/v1/complaints/{ticket.reference}/").data["summary_resolution_until"] is None
