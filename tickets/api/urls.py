from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# No `tickets.json/` twins: the views take no `format` argument (a 500), and `?format=` does the same.
router.include_format_suffixes = False
router.register("categories", views.CategoryViewSet, basename="category")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("macros", views.MacroViewSet, basename="macro")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("networks/", views.NetworkListView.as_view(), name="networks"),
    path("networks/validate/", views.ValidateIdentifierView.as_view(), name="networks-validate"),
    path("incidents/", views.IncidentListView.as_view(), name="incidents"),
    path("guest/tickets/", views.GuestTicketCreateView.as_view(), name="guest-ticket-create"),
    path("guest/session/", views.GuestSessionView.as_view(), name="guest-session"),
    path("guest/links/", views.GuestLinkRequestView.as_view(), name="guest-link-request"),
    *router.urls,
]
