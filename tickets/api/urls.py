from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import access, desk_views, emergency, inbound, macros, workload_views
from .views import agent, auth, customer, guest, public, ticket_viewset

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# No `tickets.json/` twins: the views take no `format` argument (a 500), and `?format=` does the same.
router.include_format_suffixes = False
router.register("categories", customer.CategoryViewSet, basename="category")
router.register("tickets", ticket_viewset.TicketViewSet, basename="ticket")
router.register("macros", macros.MacroViewSet, basename="macro")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("queue/", agent.QueueView.as_view(), name="queue"),
    path("teams/", desk_views.TeamListView.as_view(), name="teams"),
    path("agents/", desk_views.AgentListView.as_view(), name="agents"),
    path("agents/me/", workload_views.AgentMeView.as_view(), name="agent-me"),
    re_path(
        r"^agents/(?P<agent_id>[0-9]{1,18})/reassign/$",
        workload_views.AgentReassignView.as_view(),
        name="agent-reassign",
    ),
    # Before the router: its ticket detail route would otherwise take "bulk" for a reference.
    path("tickets/bulk/", desk_views.TicketBulkView.as_view(), name="ticket-bulk"),
    # At most 18 digits: any id fits a bigint, so a longer one is a 404, not a database error.
    re_path(
        r"^tickets/(?P<reference>[A-Za-z0-9-]+)/macros/(?P<macro_id>[0-9]{1,18})/preview/$",
        desk_views.MacroPreviewView.as_view(),
        name="ticket-macro-preview",
    ),
    re_path(
        r"^tickets/(?P<reference>[A-Za-z0-9-]+)/presence/$",
        workload_views.PresenceView.as_view(),
        name="ticket-presence",
    ),
    path("staff-access/", access.StaffAccessView.as_view(), name="staff-access"),
    path("staff-access/reveals/", access.StaffRevealView.as_view(), name="staff-reveals"),
    path("networks/", public.NetworkListView.as_view(), name="networks"),
    path("networks/validate/", public.ValidateIdentifierView.as_view(), name="networks-validate"),
    path("guest/tickets/", guest.GuestTicketCreateView.as_view(), name="guest-ticket-create"),
    path("guest/session/", guest.GuestSessionView.as_view(), name="guest-session"),
    path("guest/links/", guest.GuestLinkRequestView.as_view(), name="guest-link-request"),
    path("account-compromised/", emergency.AccountCompromiseView.as_view(), name="account-compromised"),
    path(
        "guest/account-compromised/",
        emergency.GuestAccountCompromiseView.as_view(),
        name="guest-account-compromised",
    ),
    path("inbound/email/", inbound.InboundEmailView.as_view(), name="inbound-email"),
    *router.urls,
]
