"""Formal complaints: statutory deadlines per preset on a controlled clock, letters, breaches."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from notifications.models import OutboxMessage
from sla.complaints import presets
from sla.complaints.services import (
    complaint_deadlines_sweep,
    complaint_final_response,
    complaint_holding_reply,
    complaint_progress_update,
)
from sla.config_cache import config_version_bump
from sla.models import (
    BusinessCalendar,
    Complaint,
    ComplaintDeadline,
    ComplaintLetter,
    ComplaintPreset,
    Holiday,
    SlaPolicy,
    WorkingInterval,
)
from sla.working_time import Schedule
from tests.factories import CustomerFactory
from tickets import services
from tickets.export import public_record
from tickets.models import Message, Ticket, TicketEvent

Kind = ComplaintDeadline.Kind
# Monday 2 March 2026, 10:00 UTC.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MON_FRI = Schedule(
    time_zone="Europe/London",
    is_24x7=False,
    weekly={day: [(time(9), time(17))] for day in range(5)},
)


def london_end_of(day: date) -> datetime:
    """Midnight at the end of a London day, in UTC."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


# --- the arithmetic -----------------------------------------------------------------------


def test_two_calendar_months_keep_the_day_of_receipt():
    received = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert presets.deadline_after(Schedule(), received, presets.Span(2, presets.CALENDAR_MONTHS)) == datetime(
        2026, 5, 2, 10, 0, tzinfo=UTC
    )


def test_two_calendar_months_from_a_month_end_clamp_to_the_shorter_month():
    received = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
    assert presets.deadline_after(Schedule(), received, presets.Span(2, presets.CALENDAR_MONTHS)) == datetime(
        2026, 2, 28, 15, 0, tzinfo=UTC
    )


def test_a_month_from_31_january_of_a_leap_year_is_29_february():
    assert presets.add_months(datetime(2028, 1, 31, 9, 0), 1) == datetime(2028, 2, 29, 9, 0)


def test_eight_calendar_weeks_keep_the_local_hour_across_a_clock_change():
    schedule = Schedule(time_zone="Europe/London")
    received = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # GMT; eight weeks later is BST
    due = presets.deadline_after(schedule, received, presets.Span(8, presets.CALENDAR_WEEKS))
    assert due == datetime(2026, 4, 27, 9, 0, tzinfo=UTC)  # 10:00 London time


def test_fifteen_business_days_skip_weekends_and_holidays():
    # Received Friday 27 March 2026; Good Friday 3 April and Easter Monday 6 April are holidays.
    schedule = Schedule(
        time_zone=MON_FRI.time_zone,
        is_24x7=False,
        weekly=MON_FRI.weekly,
        holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6)}),
    )
    received = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    due = presets.deadline_after(schedule, received, presets.Span(15, presets.BUSINESS_DAYS))
    # Business days: 30, 31 Mar, 1, 2 Apr (4), 7-10 Apr (8), 13-17 Apr (13), 20, 21 Apr (15).
    assert due == london_end_of(date(2026, 4, 21))


def test_the_day_of_receipt_is_not_a_business_day_of_the_count():
    received = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # Friday morning
    assert presets.deadline_after(MON_FRI, received, presets.Span(1, presets.BUSINESS_DAYS)) == london_end_of(
        date(2026, 3, 9)
    )


def test_working_minutes_count_the_calendar_working_hours():
    received = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # Friday 16:30 London: 30 minutes left
    due = presets.deadline_after(MON_FRI, received, presets.Span(60, presets.WORKING_MINUTES))
    assert due == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def test_a_policy_override_replaces_one_preset_deadline():
    spans = presets.effective_spans(
        ComplaintPreset.EU_MICA, {"acknowledgement": {"amount": 30, "unit": "working_minutes"}}
    )
    assert spans[Kind.ACKNOWLEDGEMENT] == presets.Span(30, presets.WORKING_MINUTES)
    assert spans[Kind.FINAL_RESPONSE] == presets.Span(2, presets.CALENDAR_MONTHS)


def test_an_override_with_an_unknown_unit_is_refused():
    assert presets.deadline_override_errors({"final_response": {"amount": 3, "unit": "fortnights"}})


# --- the engine -------------------------------------------------------------------------------------


@pytest.fixture
def uk_calendar(db):
    calendar = BusinessCalendar.objects.create(name="UK business days", time_zone="Europe/London", is_24x7=False)
    for weekday in range(5):
        WorkingInterval.objects.create(calendar=calendar, weekday=weekday, start=time(9), end=time(17))
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 3), name="Good Friday")
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 6), name="Easter Monday")
    return calendar


def complaint_policy(preset, calendar, **extra):
    policy = SlaPolicy.objects.create(
        name=f"Complaints {preset}",
        position=1,
        calendar=calendar,
        is_complaint=True,
        complaint_preset=preset,
        complaint_contact="complaints@exchange.example, +44 20 0000 0000",
        **extra,
    )
    config_version_bump()
    return policy


@pytest.fixture
def mica(sla_policy):
    return complaint_policy(ComplaintPreset.EU_MICA, sla_policy.calendar)


@pytest.fixture
def disp_payments(sla_policy, uk_calendar):
    return complaint_policy(ComplaintPreset.UK_DISP_PAYMENTS, uk_calendar)


@pytest.fixture
def disp(sla_policy, uk_calendar):
    return complaint_policy(ComplaintPreset.UK_DISP, uk_calendar)


@pytest.fixture
def nydfs(sla_policy, uk_calendar):
    return complaint_policy(ComplaintPreset.NYDFS, uk_calendar)


def file_complaint(
    category, *, at=MONDAY, body="My withdrawal is missing for a week. I want it refunded.", customer=None
):
    return services.ticket_create(
        requester=customer or CustomerFactory(),
        category=category,
        subject="Formal complaint: withdrawal",
        body=body,
        fields=services.TicketFields(asset="USDT", amount=Decimal("100")),
        is_complaint=True,
        now=at,
    )


def deadline(ticket, kind, cycle=1):
    return ComplaintDeadline.objects.get(complaint__ticket=ticket, kind=kind, cycle=cycle)


def letters(ticket, kind=None):
    query = ComplaintLetter.objects.filter(complaint__ticket=ticket).select_related("message")
    return list(query.filter(kind=kind) if kind else query)


def test_a_complaint_filed_as_one_is_received_at_its_filing_time(category, mica):
    ticket = file_complaint(category)
    ticket.refresh_from_db()
    assert ticket.is_complaint and ticket.complaint_received_at == MONDAY
    assert Complaint.objects.get(ticket=ticket).received_at == MONDAY


def test_a_ticket_marked_later_is_received_when_it_was_marked(category, mica, customer):
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal",
        body="Where is it?",
        fields=services.TicketFields(asset="USDT", amount=Decimal("1")),
        now=MONDAY,
    )
    marked = MONDAY + timedelta(days=3)
    services.ticket_set_complaint(ticket=ticket, actor=customer, is_complaint=True, now=marked)
    ticket.refresh_from_db()
    assert ticket.complaint_received_at == marked
    assert deadline(ticket, Kind.FINAL_RESPONSE).due_at == datetime(2026, 5, 5, 10, 0, tzinfo=UTC)


def test_marking_a_complaint_is_in_the_audit_trail(category, mica, customer):
    ticket = file_complaint(category, customer=customer)
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.COMPLAINT_CHANGED)
    assert event.actor == customer and event.data["is_complaint"] is True


def test_another_customer_cannot_mark_a_ticket_as_a_complaint(category, mica, customer, other_customer):
    from tickets.exceptions import TicketForbidden

    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal",
        body="Where is it?",
        fields=services.TicketFields(asset="USDT", amount=Decimal("1")),
        now=MONDAY,
    )
    with pytest.raises(TicketForbidden):
        services.ticket_set_complaint(ticket=ticket, actor=other_customer, is_complaint=True, now=MONDAY)


def test_mica_decision_is_due_two_calendar_months_after_receipt(category, mica):
    ticket = file_complaint(category, at=datetime(2025, 12, 31, 15, 0, tzinfo=UTC))
    assert deadline(ticket, Kind.FINAL_RESPONSE).due_at == datetime(2026, 2, 28, 15, 0, tzinfo=UTC)


def test_disp_final_response_is_due_eight_weeks_after_receipt(category, disp):
    ticket = file_complaint(category)
    assert deadline(ticket, Kind.FINAL_RESPONSE).due_at == datetime(2026, 4, 27, 9, 0, tzinfo=UTC)


def test_disp_payments_final_response_counts_15_business_days_past_weekends_and_holidays(category, disp_payments):
    ticket = file_complaint(category, at=datetime(2026, 3, 27, 16, 0, tzinfo=UTC))  # a Friday
    assert deadline(ticket, Kind.FINAL_RESPONSE).due_at == london_end_of(date(2026, 4, 21))


def test_nydfs_asks_for_an_update_every_five_business_days(category, nydfs, agent):
    ticket = file_complaint(category)  # Monday 2 March
    assert deadline(ticket, Kind.UPDATE).due_at == london_end_of(date(2026, 3, 9))
    complaint_progress_update(
        ticket=ticket,
        author=agent,
        progress="We asked the network operator.",
        eta=MONDAY + timedelta(days=10),
        now=datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
    )
    assert deadline(ticket, Kind.UPDATE).met_at is not None
    assert deadline(ticket, Kind.UPDATE, cycle=2).due_at == london_end_of(date(2026, 3, 12))


def test_the_progress_update_carries_the_estimated_resolution_date(category, nydfs, agent):
    ticket = file_complaint(category)
    letter = complaint_progress_update(
        ticket=ticket,
        author=agent,
        progress="We asked the network operator.",
        eta=datetime(2026, 3, 20, 12, 0, tzinfo=UTC),
        now=MONDAY + timedelta(days=1),
    )
    assert "March 20, 2026" in letter.message.body and ticket.reference in letter.message.body


def test_the_acknowledgement_states_the_date_received_the_deadline_and_a_contact(category, mica):
    ticket = file_complaint(category)
    (ack,) = letters(ticket, ComplaintLetter.Kind.ACKNOWLEDGEMENT)
    body = ack.message.body
    assert "March 2, 2026" in body  # received
    assert "May 2, 2026" in body  # the decision's deadline
    assert "complaints@exchange.example" in body
    assert ticket.reference in body
    assert ack.message.kind == Message.Kind.PUBLIC and ack.message.author is None


def test_the_acknowledgement_meets_its_deadline_at_once(category, mica):
    ticket = file_complaint(category)
    ack = deadline(ticket, Kind.ACKNOWLEDGEMENT)
    assert ack.met_at == MONDAY and ack.breached_at is None


def test_the_acknowledgement_is_e_mailed_in_the_complaint_language(category, mica):
    ticket = file_complaint(category)
    mail = OutboxMessage.objects.get(purpose="letter_sent", ticket_reference=ticket.reference)
    assert mail.payload["language"] == "en" and mail.payload["template"] == "letter_sent"


def test_a_chinese_complaint_from_an_english_profile_is_answered_in_chinese(category, mica):
    customer = CustomerFactory()  # profile language en
    ticket = file_complaint(category, customer=customer, body="我的提现已经一个星期没有到账，我要求退款并正式投诉。")
    complaint = Complaint.objects.get(ticket=ticket)
    assert complaint.language == "zh-hans"
    mail = OutboxMessage.objects.get(purpose="letter_sent", ticket_reference=ticket.reference)
    assert mail.payload["language"] == "zh-hans"


def test_the_letters_are_in_the_public_record_export(category, mica):
    ticket = file_complaint(category)
    ticket = Ticket.objects.get(pk=ticket.pk)
    record = public_record(ticket, exported_at=MONDAY)
    (ack,) = letters(ticket, ComplaintLetter.Kind.ACKNOWLEDGEMENT)
    assert any(message["body"] == ack.message.body for message in record["messages"])


def test_a_missed_decision_deadline_is_breached_once_at_its_due_time(category, mica):
    ticket = file_complaint(category)
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    late = due + timedelta(hours=6)  # the sweep ran late
    assert complaint_deadlines_sweep(now=late).breached == 1
    assert complaint_deadlines_sweep(now=late + timedelta(minutes=1)).breached == 0
    final = deadline(ticket, Kind.FINAL_RESPONSE)
    assert final.breached_at == due
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_BREACHED)
    assert [(e.at, e.data["complaint_deadline"]) for e in events] == [(due, Kind.FINAL_RESPONSE)]


def test_nothing_is_breached_before_the_deadline(category, mica):
    ticket = file_complaint(category)
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    assert complaint_deadlines_sweep(now=due - timedelta(seconds=1)).breached == 0


def test_a_missed_decision_deadline_leaves_the_agents_a_holding_reply_draft(category, mica):
    ticket = file_complaint(category)
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    complaint_deadlines_sweep(now=due + timedelta(minutes=1))
    notes = Message.objects.filter(ticket=ticket, kind=Message.Kind.INTERNAL)
    assert notes.count() == 1 and "holding reply" in notes.get().body


def test_the_holding_reply_gives_the_reasons_and_a_new_date(category, mica, agent):
    ticket = file_complaint(category)
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    complaint_deadlines_sweep(now=due + timedelta(minutes=1))
    new_date = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    letter = complaint_holding_reply(
        ticket=ticket,
        author=agent,
        reasons="The partner bank has not answered yet.",
        new_date=new_date,
        now=due + timedelta(hours=2),
    )
    assert "The partner bank has not answered yet." in letter.message.body
    assert "May 20, 2026" in letter.message.body and "May 2, 2026" in letter.message.body
    assert deadline(ticket, Kind.EXTENDED_FINAL_RESPONSE).due_at == new_date
    assert deadline(ticket, Kind.FINAL_RESPONSE).breached_at == due  # still late


def test_disp_payments_holding_reply_may_not_go_past_35_business_days(category, disp_payments, agent):
    from tickets.exceptions import TicketInvalid

    ticket = file_complaint(category)
    with pytest.raises(TicketInvalid):
        complaint_holding_reply(
            ticket=ticket,
            author=agent,
            reasons="Exceptional: the card scheme investigates.",
            new_date=datetime(2026, 6, 30, tzinfo=UTC),
            now=MONDAY + timedelta(days=10),
        )


def test_a_late_final_response_without_a_sweep_is_breached_at_the_due_time(category, mica, agent):
    ticket = file_complaint(category)
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    complaint_final_response(
        ticket=ticket,
        author=agent,
        outcome=Complaint.Outcome.REJECTED,
        reasons="The network was congested.",
        now=due + timedelta(days=1),
    )
    final = deadline(ticket, Kind.FINAL_RESPONSE)
    assert final.breached_at == due and final.met_at == due + timedelta(days=1)


def test_the_final_response_records_decision_reasons_remedies_and_outcome(category, mica, agent):
    ticket = file_complaint(category)
    letter = complaint_final_response(
        ticket=ticket,
        author=agent,
        outcome=Complaint.Outcome.PARTLY_UPHELD,
        reasons="The delay was ours for two of the five days.",
        remedies="We refund the 25 USDT fee.",
        now=MONDAY + timedelta(days=20),
    )
    body = letter.message.body
    assert "We uphold your complaint in part." in body
    assert "two of the five days" in body and "25 USDT" in body
    assert "Financial Ombudsman" not in body
    complaint = Complaint.objects.get(ticket=ticket)
    assert complaint.outcome == Complaint.Outcome.PARTLY_UPHELD and complaint.status == Complaint.Status.RESOLVED


def test_the_disp_final_response_points_to_the_ombudsman(category, disp, agent):
    ticket = file_complaint(category)
    letter = complaint_final_response(
        ticket=ticket,
        author=agent,
        outcome=Complaint.Outcome.REJECTED,
        reasons="The address was wrong.",
        now=MONDAY + timedelta(days=20),
    )
    assert "Financial Ombudsman Service" in letter.message.body
    assert "six months" in letter.message.body


def test_disp_summary_resolution_within_three_business_days(category, disp, agent):
    ticket = file_complaint(category)  # Monday; the window closes at the end of Thursday
    letter = complaint_final_response(
        ticket=ticket,
        author=agent,
        outcome=Complaint.Outcome.UPHELD,
        reasons="We credited the deposit.",
        summary=True,
        now=datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
    )
    assert letter.kind == ComplaintLetter.Kind.SUMMARY_RESOLUTION
    assert "Financial Ombudsman Service" in letter.message.body
    assert Complaint.objects.get(ticket=ticket).summary_resolution is True


def test_no_summary_resolution_after_the_third_business_day(category, disp, agent):
    from tickets.exceptions import TicketInvalid

    ticket = file_complaint(category)
    with pytest.raises(TicketInvalid):
        complaint_final_response(
            ticket=ticket,
            author=agent,
            outcome=Complaint.Outcome.UPHELD,
            reasons="We credited the deposit.",
            summary=True,
            now=datetime(2026, 3, 6, 1, 0, tzinfo=UTC),  # Friday
        )


def test_no_summary_resolution_under_mica(category, mica, agent):
    from tickets.exceptions import TicketInvalid

    ticket = file_complaint(category)
    with pytest.raises(TicketInvalid):
        complaint_final_response(
            ticket=ticket,
            author=agent,
            outcome=Complaint.Outcome.UPHELD,
            reasons="Done.",
            summary=True,
            now=MONDAY + timedelta(hours=1),
        )


def test_withdrawing_the_flag_stops_the_deadlines(category, mica, agent):
    ticket = file_complaint(category)
    services.ticket_set_complaint(ticket=ticket, actor=agent, is_complaint=False, now=MONDAY + timedelta(days=1))
    due = deadline(ticket, Kind.FINAL_RESPONSE).due_at
    assert complaint_deadlines_sweep(now=due + timedelta(days=1)).breached == 0
    assert Complaint.objects.get(ticket=ticket).status == Complaint.Status.WITHDRAWN
