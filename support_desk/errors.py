"""Domain errors raised by services and mapped to HTTP status codes in one place (support_desk.api)."""


class DomainError(Exception):
    """Bad input that a serializer could not see (400). `field` names the offending input;
    `errors` (field name -> messages) carries every field's errors when there are several."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or {}


class ConflictError(DomainError):
    """The change conflicts with the object's current state (409)."""

    status_code = 409
    code = "conflict"


class ForbiddenError(DomainError):
    """The caller can see the object but may not do this to it (403)."""

    status_code = 403
    code = "permission_denied"


class ServiceUnavailableError(DomainError):
    """Something the desk depends on cannot take the change now (a full or unwritable disk): 503,
    nothing kept; the same request may succeed later."""

    status_code = 503
    code = "service_unavailable"
