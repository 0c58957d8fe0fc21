from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from support_desk.errors import ForbiddenError

from .models import AgentProfile, CustomerProfile, User
from .roles import is_staff_member


@transaction.atomic
def customer_set_language(*, user: User, language: str) -> None:
    """The language a customer picked with the switch: saved, so pages and e-mails follow it."""
    if language not in CustomerProfile.Language.values:
        return
    CustomerProfile.objects.filter(user=user).update(language=language)


@transaction.atomic
def agent_set_availability(*, agent: User, available: bool, now: datetime) -> AgentProfile:
    """An agent says they are available for automatic assignment, or away. Going away hands
    nothing back by itself: a lead decides what happens to the agent's open tickets."""
    if not is_staff_member(agent):
        raise ForbiddenError(_("Only support staff can be available for tickets."))
    profile, _created = AgentProfile.objects.select_for_update().get_or_create(user=agent)
    if profile.available != available:
        profile.available = available
        profile.available_changed_at = now
        profile.save(update_fields=["available", "available_changed_at"])
    return profile
