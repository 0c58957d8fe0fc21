from django.urls import path
from rest_framework.routers import SimpleRouter

from . import complaints, views

router = SimpleRouter(trailing_slash=True)
router.register("sla/policies", views.PolicyViewSet, basename="sla-policy")
router.register("sla/calendars", views.CalendarViewSet, basename="sla-calendar")
router.register("sla/escalation-rules", views.EscalationRuleViewSet, basename="sla-escalation-rule")

urlpatterns = [
    path("reports/sla/", views.SlaReportView.as_view(), name="sla-report"),
    path("reports/complaints/", complaints.ComplaintsReportView.as_view(), name="complaints-report"),
    path("complaints/", complaints.ComplaintRegisterView.as_view(), name="complaint-register"),
    path("complaints/<str:reference>/", complaints.ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<str:reference>/letters/", complaints.ComplaintLetterView.as_view(), name="complaint-letters"),
    *router.urls,
]
