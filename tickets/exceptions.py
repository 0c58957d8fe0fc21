from support_desk.errors import ConflictError, DomainError, ForbiddenError


class TicketTransitionError(ConflictError):
    """The requested status change is not in the transition table."""


class TicketConflict(ConflictError):
    """Another agent holds the ticket, or the ticket is closed."""


class TicketForbidden(ForbiddenError):
    pass


class TicketInvalid(DomainError):
    pass


class TicketStale(TicketConflict):
    """The caller's `expected_version` is behind: someone else changed the ticket since. Carries
    those changes (the events after that version) and the ticket's version now."""

    code = "stale"

    def __init__(self, message: str, *, changes: list, version: int) -> None:
        super().__init__(message)
        self.changes = changes
        self.version = version
