from support_desk.errors import ConflictError, DomainError, ForbiddenError


class TicketTransitionError(ConflictError):
    """The requested status change is not in the transition table."""


class TicketConflict(ConflictError):
    """Another agent holds the ticket, or the ticket is closed."""


class TicketForbidden(ForbiddenError):
    pass


class TicketInvalid(DomainError):
    pass
