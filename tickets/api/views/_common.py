"""What the API views share: the error responses their schemas name, and the 409 of a stale version."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.response import Response

from ...exceptions import TicketStale
from ..serializers import EventSerializer, StaleSerializer

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such ticket, or not one the caller may see.")
E409 = OpenApiResponse(description="The change conflicts with the ticket's state.")
E429 = OpenApiResponse(description="Throttled; see the Retry-After header.")
E409_STALE = OpenApiResponse(
    StaleSerializer,
    description="The change conflicts with the ticket's state; or, with `expected_version`, someone else "
    "changed the ticket since (code `stale`, with `changes` and the current `version`).",
)


def stale_response(stale: TicketStale) -> Response:
    """409 for a stale precondition: what changed since the caller's version, so they can review."""
    body = {
        "detail": stale.message,
        "code": stale.code,
        "version": stale.version,
        "changes": EventSerializer(stale.changes, many=True).data,
    }
    return Response(body, status=status.HTTP_409_CONFLICT)
