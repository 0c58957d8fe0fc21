"""The texts of a complaint's letters, written in the complaint's language (pure: no database).

Each returns (title, body). The body is stored as the ticket's public message, so the record, the
export and the e-mail all carry the same words.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Complaint

# DISP 1.6.2R / 1.5.5R: the Financial Ombudsman Service, and the six months to refer to it.
OMBUDSMAN_CONTACT = (
    "Financial Ombudsman Service, Exchange Tower, London E14 9SR; 0800 023 4567; www.financial-ombudsman.org.uk"
)


@dataclass(frozen=True)
class LetterFacts:
    reference: str
    customer_name: str
    received_at: datetime
    time_zone: str
    contact: str
    ombudsman: bool


def _date(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    return date_format(moment.astimezone(ZoneInfo(zone)), "DATE_FORMAT")


def _greeting(facts: LetterFacts) -> str:
    return _("Dear %(name)s,") % {"name": facts.customer_name}


def _ombudsman(*, final: bool) -> str:
    if final:
        text = _(
            "If you are not satisfied with our final response, you may refer your complaint to the Financial "
            "Ombudsman Service, free of charge, within six months of the date of this letter. If you do not "
            "refer it in time, the Ombudsman will not have our permission to consider it."
        )
    else:
        text = _(
            "You may now refer your complaint to the Financial Ombudsman Service, free of charge, if you do "
            "not want to wait for our final response."
        )
    return f"{text}\n{OMBUDSMAN_CONTACT}"


def _footer(facts: LetterFacts) -> str:
    return "\n".join(
        [
            _("Your complaint reference: %(reference)s") % {"reference": facts.reference},
            _("Contact for your complaint: %(contact)s") % {"contact": facts.contact},
        ]
    )


def acknowledgement(
    facts: LetterFacts,
    *,
    language: str,
    final_due_at: datetime | None,
    update_every: str = "",
) -> tuple[str, str]:
    with translation.override(language):
        parts = [
            _greeting(facts),
            _("We received your formal complaint on %(date)s.") % {"date": _date(facts.received_at, facts.time_zone)},
            _(
                "What happens next: a complaints handler who was not involved in the matter investigates it, "
                "using the information we already hold; we ask you only for what we do not have. You will "
                "receive our reasoned decision in writing."
            ),
        ]
        if final_due_at is not None:
            parts.append(
                _(
                    "You will receive our decision by %(date)s at the latest. If we cannot decide by then, we will "
                    "write to you before that date with the reasons and the date by which we expect to decide."
                )
                % {"date": _date(final_due_at, facts.time_zone)}
            )
        if update_every:
            parts.append(
                _("We will update you at least every %(period)s with the estimated date of resolution.")
                % {"period": update_every}
            )
        parts.append(_footer(facts))
        return _("We received your complaint"), "\n\n".join(parts)


def holding_reply(
    facts: LetterFacts, *, language: str, reasons: str, new_date: datetime, missed_due_at: datetime | None
) -> tuple[str, str]:
    with translation.override(language):
        parts = [_greeting(facts)]
        if missed_due_at is not None:
            parts.append(
                _("We have not been able to give you our final decision by %(date)s, as we said we would.")
                % {"date": _date(missed_due_at, facts.time_zone)}
            )
        else:
            parts.append(_("We are not yet able to give you our final decision on your complaint."))
        parts += [
            _("The reasons:") + "\n" + reasons.strip(),
            _("We expect to give you our decision by %(date)s.") % {"date": _date(new_date, facts.time_zone)},
        ]
        if facts.ombudsman:
            parts.append(_ombudsman(final=False))
        parts.append(_footer(facts))
        return _("Your complaint: our decision is delayed"), "\n\n".join(parts)


def progress_update(facts: LetterFacts, *, language: str, progress: str, eta: datetime | None) -> tuple[str, str]:
    with translation.override(language):
        parts = [_greeting(facts), _("Where your complaint stands:") + "\n" + progress.strip()]
        if eta is not None:
            parts.append(_("Estimated date of resolution: %(date)s.") % {"date": _date(eta, facts.time_zone)})
        parts.append(_footer(facts))
        return _("Your complaint: progress update"), "\n\n".join(parts)


def final_response(facts: LetterFacts, *, language: str, outcome: str, reasons: str, remedies: str) -> tuple[str, str]:
    with translation.override(language):
        decisions = {
            Complaint.Outcome.UPHELD: _("We uphold your complaint."),
            Complaint.Outcome.PARTLY_UPHELD: _("We uphold your complaint in part."),
            Complaint.Outcome.REJECTED: _("We do not uphold your complaint."),
        }
        parts = [
            _greeting(facts),
            _("This is our final response to the complaint you made on %(date)s.")
            % {"date": _date(facts.received_at, facts.time_zone)},
            _("Our decision:") + " " + decisions[outcome],
            _("The reasons:") + "\n" + reasons.strip(),
        ]
        if remedies.strip():
            parts.append(_("What we will do to put things right:") + "\n" + remedies.strip())
        if outcome != Complaint.Outcome.UPHELD:
            parts.append(
                _(
                    "If you are not satisfied with this decision, you may pursue your complaint through the "
                    "remedies open to you, such as the competent authority's or an alternative dispute "
                    "resolution body's procedures, or the courts."
                )
            )
        if facts.ombudsman:
            parts.append(_ombudsman(final=True))
        parts.append(_footer(facts))
        return _("Your complaint: our final response"), "\n\n".join(parts)


def summary_resolution(facts: LetterFacts, *, language: str, resolution: str) -> tuple[str, str]:
    with translation.override(language):
        parts = [
            _greeting(facts),
            _("Thank you for the complaint you made on %(date)s. We consider it resolved:")
            % {"date": _date(facts.received_at, facts.time_zone)}
            + "\n"
            + resolution.strip(),
            _(
                "If you later become dissatisfied with how we resolved it, you may refer your complaint to the "
                "Financial Ombudsman Service, free of charge."
            )
            + "\n"
            + OMBUDSMAN_CONTACT,
            _footer(facts),
        ]
        return _("Your complaint is resolved"), "\n\n".join(parts)
