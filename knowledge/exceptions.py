from support_desk.errors import DomainError, ForbiddenError


class OfficialContactForbidden(ForbiddenError):
    """Only team leads and admins keep the official-contacts list."""


class OfficialContactInvalid(DomainError):
    """A value that does not fit its channel, or one already in the list (400 on the field)."""
