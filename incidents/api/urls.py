from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.IncidentListView.as_view(), name="incidents"),
    path("incidents/desk/", views.DeskIncidentsView.as_view(), name="incidents-desk"),
    path("incidents/unlink/", views.IncidentUnlinkView.as_view(), name="incidents-unlink"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/updates/", views.IncidentUpdatesView.as_view(), name="incident-updates"),
    path("incidents/<int:pk>/preview/", views.IncidentPreviewView.as_view(), name="incident-preview"),
    path("incidents/<int:pk>/resolve/", views.IncidentResolveView.as_view(), name="incident-resolve"),
    path("incidents/<int:pk>/links/", views.IncidentLinksView.as_view(), name="incident-links"),
]
