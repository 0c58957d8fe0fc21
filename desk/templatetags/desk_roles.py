from django import template

from accounts.roles import sees_every_team

register = template.Library()


@register.filter(name="sees_every_team")
def sees_every_team_filter(user) -> bool:
    """Leads and admins: they share views and write shared macros (the API decides; the page only
    shows them the controls)."""
    return sees_every_team(user)
