"""What the desk writes on a linked ticket, in the ticket's language: the instant answer when a
ticket is linked, and each update of the broadcast. Plain text (messages are plain text)."""

from datetime import UTC, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from .models import Incident
from .snapshot import IncidentFacts


def language_of(language: str) -> str:
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def eta_text(eta: datetime | None) -> str:
    if eta is None:
        return _("not known yet; we will tell you here as soon as we know")
    return eta.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _status(status: str) -> str:
    return str(Incident.Status(status).label)


def advice_text(incident: IncidentFacts) -> str:
    return incident.localized("advice") or _(
        "You do not need to do anything or write again: this ticket is linked to the problem, and "
        "every update is posted here and sent to you by e-mail."
    )


def answer_body(incident: IncidentFacts, *, language: str) -> str:
    """The instant answer to a ticket linked to `incident`."""
    with translation.override(language_of(language)):
        lines = [
            _("This looks related to a known problem we are working on: %(title)s")
            % {"title": incident.localized("title")},
            "",
            incident.localized("message"),
        ]
        if incident.latest_update is not None:
            lines += ["", _("Latest update: %(body)s") % {"body": incident.latest_update.localized()}]
        lines += [
            "",
            _("Status: %(status)s") % {"status": _status(incident.status)},
            _("Expected fix: %(eta)s") % {"eta": eta_text(incident.eta)},
            "",
            _("What to do: %(advice)s") % {"advice": advice_text(incident)},
            "",
            _("A person will still read your ticket if it turns out to be about something else."),
        ]
        return "\n".join(lines)


def update_body(incident: IncidentFacts, *, status: str, eta: datetime | None, text: str, language: str) -> str:
    """An update as posted on a linked ticket; `text` is already in the ticket's language."""
    with translation.override(language_of(language)):
        lines = [
            _("Update on the known problem “%(title)s”:") % {"title": incident.localized("title")},
            "",
            text,
            "",
            _("Status: %(status)s") % {"status": _status(status)},
        ]
        if status != Incident.Status.RESOLVED:
            lines.append(_("Expected fix: %(eta)s") % {"eta": eta_text(eta)})
        return "\n".join(lines)
