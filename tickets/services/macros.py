"""Using a macro on a ticket: its text for the ticket, its actions, and applying it as one act.
Writing macros (who may write which), their placeholders and previews live in tickets.macros."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .. import audit, macros
from ..exceptions import TicketForbidden
from ..models import Macro, Ticket
from ._common import Kind, _can_work_on, _require_staff
from .assignment import ticket_change_priority, ticket_change_team
from .lifecycle import ticket_change_status
from .messages import message_add

# Macros are written through tickets.macros (the rule of who may write which); re-exported here
# for the callers that know them as services.
macro_create = macros.macro_create


def render_macro(macro: Macro, ticket: Ticket) -> str:
    return macros.render_body(macro.body, ticket)


def macro_actions(macro: Macro) -> dict[str, str]:
    """What applying the macro changes besides posting its text (team as its code)."""
    return macros.actions_of(set_status=macro.set_status, set_priority=macro.set_priority, set_team=macro.set_team)


@transaction.atomic
def macro_apply(*, ticket: Ticket, macro: Macro, actor: User, now: datetime) -> Ticket:
    """Post the macro's text and apply its changes as one act, recorded as such."""
    _require_staff(actor)
    if macro.team_id is not None and not _can_work_on(actor, macro.team):
        raise TicketForbidden(_("This macro belongs to another team."))
    if macro.owner_id not in (None, actor.pk):
        raise TicketForbidden(_("This is another agent's personal macro."))
    audit.record(ticket, actor=actor, kind=Kind.MACRO_APPLIED, at=now, macro_id=macro.pk, name=macro.name)
    message_add(ticket=ticket, author=actor, body=render_macro(macro, ticket), internal=macro.internal, now=now)
    if macro.set_priority:
        ticket_change_priority(ticket=ticket, actor=actor, priority=macro.set_priority, now=now, reason="macro")
    if macro.set_team_id:
        ticket_change_team(ticket=ticket, actor=actor, team=macro.set_team, now=now)
    if macro.set_status:
        ticket_change_status(ticket=ticket, actor=actor, status=macro.set_status, now=now)
    return Ticket.objects.get(pk=ticket.pk)
