from django.urls import re_path

from . import views

app_name = "desk"

urlpatterns = [
    re_path(r"^$", views.QueueView.as_view(), name="queue"),
    re_path(r"^macros/$", views.MacrosView.as_view(), name="macros"),
    re_path(r"^incidents/$", views.IncidentsView.as_view(), name="incidents"),
    re_path(r"^reports/$", views.ReportsView.as_view(), name="reports"),
    re_path(r"^access/$", views.AccessView.as_view(), name="access"),
    re_path(r"^complaints/$", views.ComplaintsView.as_view(), name="complaints"),
    re_path(r"^contacts/$", views.OfficialContactsView.as_view(), name="contacts"),
    re_path(r"^security/$", views.SecurityView.as_view(), name="security"),
    # The API's reference alphabet; anything else is a plain 404 without touching the API.
    re_path(r"^tickets/(?P<reference>[A-Za-z0-9-]{1,40})/$", views.TicketView.as_view(), name="ticket"),
]
