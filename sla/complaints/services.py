"""Formal complaints: their statutory deadlines, letters and breaches.

A ticket marked as a formal complaint (tickets.services.ticket_set_complaint, or filed as one)
gets a Complaint row under the first active complaint policy that matches it (a policy with a
complaint preset), its deadlines counted from when it was received, and at once the written
acknowledgement. Agents then send the holding reply, progress updates and the final response
(or DISP's summary resolution communication); each letter is a public message on the ticket and
an e-mail, in the complaint's language. The complaint sweep records each missed deadline once,
at its due time, and asks the agents for a holding reply when the decision is late.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from tickets import audit
from tickets import notifications as ticket_emails
from tickets import services as ticket_services
from tickets.exceptions import TicketConflict, TicketInvalid
from tickets.models import Message, Ticket, TicketEvent

from ..config_cache import config_snapshot
from ..models import Complaint, ComplaintDeadline, ComplaintLetter, SlaPolicy
from ..policies import policy_matches
from ..working_time import Schedule
from . import letters, presets
from .language import detect_language

logger = logging.getLogger(__name__)

Kind = ComplaintDeadline.Kind
Letter = ComplaintLetter.Kind
DECISION_KINDS = (Kind.FINAL_RESPONSE, Kind.EXTENDED_FINAL_RESPONSE)


# --- configuration ---------------------------------------------------------------------------


def complaint_policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy with a complaint preset whose conditions match the ticket."""
    for policy in config_snapshot().policies:
        if policy.complaint_preset and policy_matches(policy, ticket):
            return policy
    return None


def _calendar_policy(ticket: Ticket) -> SlaPolicy | None:
    """Without a complaint policy: the first matching policy lends its calendar."""
    return next((policy for policy in config_snapshot().policies if policy_matches(policy, ticket)), None)


def complaint_schedule(complaint: Complaint) -> Schedule:
    policy = complaint.policy
    return config_snapshot().schedule(policy.calendar if policy is not None else None)


def _spans(complaint: Complaint) -> dict[str, presets.Span | None]:
    overrides = complaint.policy.complaint_deadlines if complaint.policy is not None else None
    return presets.effective_spans(complaint.preset, overrides)


def _preset(complaint: Complaint) -> presets.Preset:
    return presets.PRESETS.get(complaint.preset) or presets.PRESETS[presets.DEFAULT_PRESET]


def span_label(span: presets.Span) -> str:
    units = {
        presets.WORKING_MINUTES: _("%(n)s working minutes"),
        presets.BUSINESS_DAYS: _("%(n)s business days"),
        presets.CALENDAR_WEEKS: _("%(n)s weeks"),
        presets.CALENDAR_MONTHS: _("%(n)s months"),
    }
    return units[span.unit] % {"n": span.amount}


# --- deadlines ----------------------------------------------------------------------------------


def _deadline(complaint: Complaint, kind: str, due_at: datetime, cycle: int = 1) -> ComplaintDeadline:
    return ComplaintDeadline(complaint=complaint, kind=kind, cycle=cycle, due_at=due_at, next_check_at=due_at)


def _meet(deadline: ComplaintDeadline, now: datetime) -> None:
    """A deadline met: late (after its due time) it is also breached, at its due time, whether or
    not the sweep saw it first."""
    deadline.met_at = now
    deadline.next_check_at = None
    fields = ["met_at", "next_check_at"]
    if now > deadline.due_at and deadline.breached_at is None:
        deadline.breached_at = deadline.due_at
        fields.append("breached_at")
    deadline.save(update_fields=fields)


def _open_deadlines(complaint: Complaint, kinds: tuple[str, ...]) -> list[ComplaintDeadline]:
    return list(
        complaint.deadlines.select_for_update()
        .filter(kind__in=kinds, met_at__isnull=True, stopped_at__isnull=True)
        .order_by("due_at")
    )


def _due(complaint: Complaint, kind: str) -> datetime | None:
    """The latest due time of a kind (the one the customer was last told)."""
    latest = complaint.deadlines.filter(kind=kind, stopped_at__isnull=True).order_by("-cycle")
    return latest.values_list("due_at", flat=True).first()


def decision_due_at(complaint: Complaint) -> datetime | None:
    return _due(complaint, Kind.EXTENDED_FINAL_RESPONSE) or _due(complaint, Kind.FINAL_RESPONSE)


def summary_resolution_until(complaint: Complaint) -> datetime | None:
    """The end of DISP's summary resolution window (None: the preset has none)."""
    window = _preset(complaint).summary_window
    if window is None:
        return None
    return presets.deadline_after(complaint_schedule(complaint), complaint.received_at, window)


# --- letters ---------------------------------------------------------------------------------


def _facts(complaint: Complaint) -> letters.LetterFacts:
    ticket = complaint.ticket
    requester = ticket.requester
    policy = complaint.policy
    contact = (policy.complaint_contact if policy is not None else "") or getattr(
        settings, "COMPLAINTS_CONTACT", settings.DEFAULT_FROM_EMAIL
    )
    return letters.LetterFacts(
        reference=ticket.reference,
        customer_name=requester.first_name or requester.username,
        received_at=complaint.received_at,
        time_zone=complaint_schedule(complaint).time_zone,
        contact=contact,
        ombudsman=_preset(complaint).ombudsman,
    )


def _send(
    complaint: Complaint,
    *,
    kind: str,
    author: User | None,
    title: str,
    body: str,
    now: datetime,
    details: dict | None = None,
) -> ComplaintLetter:
    """A letter: a public message on the ticket, an e-mail in the complaint's language, a row."""
    ticket = complaint.ticket
    message = ticket_services.letter_add(ticket=ticket, author=author, body=body, letter=kind, now=now)
    ticket_emails.letter_sent(ticket=ticket, message=message, title=title, language=complaint.language, now=now)
    return ComplaintLetter.objects.create(
        complaint=complaint,
        kind=kind,
        message=message,
        author=author,
        language=complaint.language,
        sent_at=now,
        details=details or {},
    )


def _complaint_text(ticket: Ticket) -> str:
    """What the customer wrote: the subject and their public messages (one query)."""
    bodies = Message.objects.filter(ticket=ticket, author_id=ticket.requester_id, kind=Message.Kind.PUBLIC).values_list(
        "body", flat=True
    )
    return "\n".join([ticket.subject, *bodies])


def _profile_language(ticket: Ticket) -> str:
    profile = getattr(ticket.requester, "customer_profile", None)
    return profile.language if profile is not None else ticket.language


# --- opening, withdrawing ------------------------------------------------------------------------


@transaction.atomic
def complaint_open(*, ticket: Ticket, now: datetime) -> Complaint:
    """The ticket became a formal complaint: its deadlines from receipt, and the acknowledgement
    (date received, deadline, contact, reference, the expected process) sent at once."""
    received_at = ticket.complaint_received_at or now
    policy = complaint_policy_for(ticket)
    preset = policy.complaint_preset if policy is not None else presets.DEFAULT_PRESET
    language = detect_language(_complaint_text(ticket), fallback=_profile_language(ticket))
    complaint, created = Complaint.objects.select_for_update().get_or_create(
        ticket=ticket,
        defaults={
            "policy": policy or _calendar_policy(ticket),
            "preset": preset,
            "received_at": received_at,
            "language": language,
        },
    )
    if not created:  # marked again after a withdrawal: received anew
        complaint.deadlines.all().delete()
        complaint.policy = policy or _calendar_policy(ticket)
        complaint.preset, complaint.received_at, complaint.language = preset, received_at, language
        complaint.status, complaint.outcome, complaint.summary_resolution = Complaint.Status.OPEN, "", False
        complaint.acknowledged_at = complaint.holding_reply_at = complaint.resolved_at = None
        complaint.save()
    complaint.ticket = ticket
    schedule = complaint_schedule(complaint)
    spans = _spans(complaint)
    deadlines = [
        _deadline(complaint, kind, presets.deadline_after(schedule, received_at, spans[kind]))
        for kind in (Kind.ACKNOWLEDGEMENT, Kind.FINAL_RESPONSE, Kind.UPDATE)
        if spans.get(kind) is not None
    ]
    ComplaintDeadline.objects.bulk_create(deadlines)
    final_due = next((d.due_at for d in deadlines if d.kind == Kind.FINAL_RESPONSE), None)
    with translation.override(complaint.language):
        update_every = span_label(spans[Kind.UPDATE]) if spans.get(Kind.UPDATE) else ""
    title, body = letters.acknowledgement(
        _facts(complaint), language=complaint.language, final_due_at=final_due, update_every=update_every
    )
    _send(
        complaint,
        kind=Letter.ACKNOWLEDGEMENT,
        author=None,
        title=title,
        body=body,
        now=now,
        details={"final_due_at": final_due.isoformat() if final_due else None},
    )
    complaint.acknowledged_at = now
    complaint.save(update_fields=["acknowledged_at"])
    for deadline in deadlines:
        if deadline.kind == Kind.ACKNOWLEDGEMENT:
            _meet(deadline, now)
    return complaint


@transaction.atomic
def complaint_withdraw(*, ticket: Ticket, now: datetime) -> None:
    """No longer a formal complaint (an agent's correction): its open deadlines stop."""
    complaint = Complaint.objects.select_for_update().filter(ticket=ticket).first()
    if complaint is None or complaint.status != Complaint.Status.OPEN:
        return
    complaint.status = Complaint.Status.WITHDRAWN
    complaint.save(update_fields=["status"])
    complaint.deadlines.filter(met_at__isnull=True, stopped_at__isnull=True).update(stopped_at=now, next_check_at=None)


def complaint_marked(*, ticket: Ticket, now: datetime) -> None:
    """tickets.hooks.ComplaintMarked: open the complaint, or stop it."""
    if ticket.is_complaint:
        complaint_open(ticket=ticket, now=now)
    else:
        complaint_withdraw(ticket=ticket, now=now)


# --- the agents' letters ----------------------------------------------------------------------------


def _open_complaint(ticket: Ticket) -> Complaint:
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("ticket__requester", "policy__calendar")
        .filter(ticket=ticket)
        .first()
    )
    if complaint is None or complaint.status == Complaint.Status.WITHDRAWN:
        raise TicketConflict(_("This ticket is not a formal complaint."))
    if complaint.status == Complaint.Status.RESOLVED:
        raise TicketConflict(_("This complaint already has its final response."))
    return complaint


def _record(complaint: Complaint, *, actor: User | None, now: datetime, **data) -> None:
    ticket = Ticket.objects.select_for_update().get(pk=complaint.ticket_id)
    audit.record(ticket, actor=actor, kind=TicketEvent.Kind.COMPLAINT_CHANGED, at=now, is_complaint=True, **data)


@transaction.atomic
def complaint_holding_reply(
    *, ticket: Ticket, author: User, reasons: str, new_date: datetime, now: datetime
) -> ComplaintLetter:
    """The decision cannot be given in time (or was not): the reasons and a new date, which
    becomes the extended deadline (DISP payments: at most 35 business days after receipt)."""
    complaint = _open_complaint(ticket)
    if not reasons.strip():
        raise TicketInvalid(_("Give the reasons for the delay."), field="reasons")
    if new_date <= now:
        raise TicketInvalid(_("The new date must be in the future."), field="new_date")
    ceiling_span = _spans(complaint).get(Kind.EXTENDED_FINAL_RESPONSE)
    if ceiling_span is not None:
        ceiling = presets.deadline_after(complaint_schedule(complaint), complaint.received_at, ceiling_span)
        if new_date > ceiling:
            raise TicketInvalid(
                _("The new date may be at most %(span)s after the complaint was received.")
                % {"span": span_label(ceiling_span)},
                field="new_date",
            )
    pending = _open_deadlines(complaint, DECISION_KINDS)
    missed = next((d.due_at for d in pending if d.due_at < now), None)
    title, body = letters.holding_reply(
        _facts(complaint), language=complaint.language, reasons=reasons, new_date=new_date, missed_due_at=missed
    )
    letter = _send(
        complaint,
        kind=Letter.HOLDING_REPLY,
        author=author,
        title=title,
        body=body,
        now=now,
        details={"reasons": reasons, "new_date": new_date.isoformat()},
    )
    for deadline in pending:  # answered by the holding reply (late ones stay breached)
        _meet(deadline, now)
    cycle = complaint.deadlines.filter(kind=Kind.EXTENDED_FINAL_RESPONSE).count() + 1
    _deadline(complaint, Kind.EXTENDED_FINAL_RESPONSE, new_date, cycle=cycle).save()
    complaint.holding_reply_at = complaint.holding_reply_at or now
    complaint.save(update_fields=["holding_reply_at"])
    _record(complaint, actor=author, now=now, holding_reply=letter.pk, new_date=new_date.isoformat())
    return letter


@transaction.atomic
def complaint_progress_update(
    *, ticket: Ticket, author: User, progress: str, eta: datetime | None, now: datetime
) -> ComplaintLetter:
    """A regular update with the estimated resolution time (NYDFS); the next one is due a
    period after this one."""
    complaint = _open_complaint(ticket)
    if not progress.strip():
        raise TicketInvalid(_("Say where the complaint stands."), field="progress")
    title, body = letters.progress_update(_facts(complaint), language=complaint.language, progress=progress, eta=eta)
    letter = _send(
        complaint,
        kind=Letter.UPDATE,
        author=author,
        title=title,
        body=body,
        now=now,
        details={"eta": eta.isoformat() if eta else None},
    )
    pending = _open_deadlines(complaint, (Kind.UPDATE,))
    for deadline in pending:
        _meet(deadline, now)
    span = _spans(complaint).get(Kind.UPDATE)
    if span is not None:
        last = complaint.deadlines.filter(kind=Kind.UPDATE).order_by("-cycle").values_list("cycle", flat=True).first()
        cycle = (last or 0) + 1
        due = presets.deadline_after(complaint_schedule(complaint), now, span)
        _deadline(complaint, Kind.UPDATE, due, cycle=cycle).save()
    return letter


@transaction.atomic
def complaint_final_response(
    *,
    ticket: Ticket,
    author: User,
    outcome: str,
    reasons: str,
    remedies: str = "",
    summary: bool = False,
    now: datetime,
) -> ComplaintLetter:
    """The decision (upheld, partly upheld, rejected) with its reasons and remedies; for DISP with
    the Ombudsman's referral wording. `summary`: DISP's summary resolution communication, for a
    complaint resolved by the close of the third business day after receipt."""
    complaint = _open_complaint(ticket)
    if outcome not in Complaint.Outcome.values:
        raise TicketInvalid(_("Choose the outcome: upheld, partly upheld or rejected."), field="outcome")
    if not reasons.strip():
        raise TicketInvalid(_("Give the reasons for the decision."), field="reasons")
    facts = _facts(complaint)
    if summary:
        schedule = complaint_schedule(complaint)
        if not presets.within_summary_window(complaint.preset, schedule, complaint.received_at, now):
            raise TicketInvalid(
                _(
                    "A summary resolution communication is only for a complaint resolved within three business days "
                    "under DISP."
                ),
                field="summary",
            )
        title, body = letters.summary_resolution(facts, language=complaint.language, resolution=reasons)
        kind = Letter.SUMMARY_RESOLUTION
    else:
        title, body = letters.final_response(
            facts, language=complaint.language, outcome=outcome, reasons=reasons, remedies=remedies
        )
        kind = Letter.FINAL_RESPONSE
    letter = _send(
        complaint,
        kind=kind,
        author=author,
        title=title,
        body=body,
        now=now,
        details={"outcome": outcome, "reasons": reasons, "remedies": remedies},
    )
    for deadline in _open_deadlines(complaint, (*DECISION_KINDS, Kind.UPDATE)):
        if deadline.kind == Kind.UPDATE and deadline.due_at > now:
            deadline.stopped_at, deadline.next_check_at = now, None  # no update owed after the decision
            deadline.save(update_fields=["stopped_at", "next_check_at"])
        else:
            _meet(deadline, now)
    complaint.status = Complaint.Status.RESOLVED
    complaint.resolved_at = now
    complaint.outcome = outcome
    complaint.summary_resolution = summary
    complaint.save(update_fields=["status", "resolved_at", "outcome", "summary_resolution"])
    _record(complaint, actor=author, now=now, outcome=outcome, letter=kind, final_response=letter.pk)
    return letter


# --- the sweep --------------------------------------------------------------------------------------


@dataclass
class ComplaintSweepResult:
    breached: int = 0
    drafts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"breached": self.breached, "drafts": self.drafts}


def _holding_draft(complaint: Complaint, deadline: ComplaintDeadline) -> str:
    """The agents' prompt, with the draft the customer will read (reasons and date to fill in)."""
    with translation.override(settings.LANGUAGE_CODE):
        intro = _(
            "The decision deadline of this formal complaint passed on %(date)s with no final response. Send the "
            "customer a holding reply with the reasons for the delay and a new date (Complaint panel, or POST "
            "/api/v1/complaints/%(reference)s/letters/ with kind=holding_reply). Draft:"
        ) % {"date": deadline.due_at.isoformat(timespec="minutes"), "reference": complaint.ticket.reference}
    _title, draft = letters.holding_reply(
        _facts(complaint),
        language=complaint.language,
        reasons=_("[the reasons for the delay]"),
        new_date=deadline.due_at,
        missed_due_at=deadline.due_at,
    )
    return f"{intro}\n\n{draft}"


def complaint_deadlines_sweep(*, now: datetime, batch_size: int = 200) -> ComplaintSweepResult:
    """Record each due, unmet deadline's breach once, at its due time (even when the sweep runs
    late): a conditional update claims it, so parallel or repeated sweeps never record it twice.
    A missed decision deadline also leaves the agents a holding-reply draft."""
    result = ComplaintSweepResult()
    while True:
        with transaction.atomic():
            query = ComplaintDeadline.objects.filter(next_check_at__lte=now).order_by("next_check_at")
            if connection.features.has_select_for_update_skip_locked:
                query = query.select_for_update(skip_locked=True)
            due = list(query.values_list("pk", flat=True)[:batch_size])
            if not due:
                return result
            for pk in due:
                claimed = ComplaintDeadline.objects.filter(
                    pk=pk, breached_at__isnull=True, met_at__isnull=True, stopped_at__isnull=True
                ).exclude(next_check_at__isnull=True)
                deadline = claimed.select_related("complaint__ticket__requester", "complaint__policy__calendar").first()
                if deadline is None or not claimed.update(breached_at=deadline.due_at, next_check_at=None):
                    ComplaintDeadline.objects.filter(pk=pk).update(next_check_at=None)
                    continue
                result.breached += 1
                _breach_effects(deadline, now=now, result=result)
            if len(due) < batch_size:
                return result


def _breach_effects(deadline: ComplaintDeadline, *, now: datetime, result: ComplaintSweepResult) -> None:
    complaint = deadline.complaint
    ticket = Ticket.objects.select_for_update().get(pk=complaint.ticket_id)
    audit.record(
        ticket,
        actor=None,
        kind=TicketEvent.Kind.SLA_BREACHED,
        at=deadline.due_at,
        metric=f"complaint_{deadline.kind}",
        complaint_deadline=deadline.kind,
        cycle=deadline.cycle,
        due_at=deadline.due_at.isoformat(),
        recorded_at=now.isoformat(),
    )
    if deadline.kind in DECISION_KINDS and complaint.status == Complaint.Status.OPEN:
        ticket_services.note_add(ticket=ticket, body=_holding_draft(complaint, deadline), now=now)
        result.drafts += 1
