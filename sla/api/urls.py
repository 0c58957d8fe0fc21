from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("sla/policies", views.PolicyViewSet, basename="sla-policy")
router.register("sla/calendars", views.CalendarViewSet, basename="sla-calendar")
router.register("sla/escalation-rules", views.EscalationRuleViewSet, basename="sla-escalation-rule")

urlpatterns = [
    path("reports/sla/", views.SlaReportView.as_view(), name="sla-report"),
    *router.urls,
]
