from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts import views as account_views
from ops import views as ops_views


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request):
    """Where to start: the docs, and the main collections."""
    base = request.build_absolute_uri("/api/v1/")
    return Response(
        {
            "docs": request.build_absolute_uri("/api/docs/"),
            "schema": request.build_absolute_uri("/api/schema/"),
            "token": f"{base}auth/token/",
            "categories": f"{base}categories/",
            "networks": f"{base}networks/",
            "tickets": f"{base}tickets/",
            "queue": f"{base}queue/",
            "macros": f"{base}macros/",
            "views": f"{base}views/",
            "articles": f"{base}articles/",
            "incidents": f"{base}incidents/",
            "sla_policies": f"{base}sla/policies/",
            "sla_report": f"{base}reports/sla/",
        }
    )


PAGE = ["get", "head"]

urlpatterns = [
    # Before the admin's own: its login, with the two-factor step for enrolled staff.
    path("admin/login/", account_views.AdminLoginView.as_view(), name="admin-login"),
    path("admin/login/code/", account_views.admin_code_step, name="admin-login-code"),
    path("admin/", admin.site.urls),
    path("api/v1/", api_root, name="api-root"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("api/v1/", include("sla.api.urls")),
    path("api/v1/", include("knowledge.api.urls")),
    path("api/v1/", include("incidents.api.urls")),
    path("api/v1/", include("desk.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Pages only: DRF's OPTIONS answer has no template to render there (a 500); now a 405.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", http_method_names=PAGE), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", http_method_names=PAGE), name="api-redoc"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("desk.urls")),
    path("", include("portal.urls")),
]

# Branded pages for people, JSON for the API (portal/views.py).
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

# In the admin user's language, as every other page (English and Simplified Chinese ship).
admin.site.site_header = _("Exchange Support Desk")
admin.site.site_title = _("Support Desk admin")
admin.site.index_title = _("Desk administration")
