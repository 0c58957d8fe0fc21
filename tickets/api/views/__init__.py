"""The tickets API's views, by audience: auth (tokens), customer (categories and the customers'
ticket actions), agent (the staff's ticket actions and the queue), public (networks), guest (no
account). TicketViewSet (ticket_viewset) serves customers and staff on the same URLs and combines
CustomerTicketActions and AgentTicketActions."""

from ._common import E400, E401, E403, E404, E409, E409_STALE, E429, stale_response
from .agent import AgentTicketActions, QueuePagination, QueueView
from .auth import LogoutView, TokenView
from .customer import CategoryViewSet, CustomerTicketActions
from .guest import GuestLinkRequestView, GuestSessionView, GuestTicketCreateView
from .public import NetworkListView, ValidateIdentifierView
from .ticket_viewset import TicketViewSet

__all__ = [
    "E400",
    "E401",
    "E403",
    "E404",
    "E409",
    "E409_STALE",
    "E429",
    "AgentTicketActions",
    "CategoryViewSet",
    "CustomerTicketActions",
    "GuestLinkRequestView",
    "GuestSessionView",
    "GuestTicketCreateView",
    "LogoutView",
    "NetworkListView",
    "QueuePagination",
    "QueueView",
    "TicketViewSet",
    "TokenView",
    "ValidateIdentifierView",
    "stale_response",
]
