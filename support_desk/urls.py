from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from ops import views as ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tickets.api.urls")),
    path("api/v1/", include("sla.api.urls")),
    path("api/v1/", include("knowledge.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]

admin.site.site_header = "Exchange Support Desk"
admin.site.site_title = "Support Desk admin"
