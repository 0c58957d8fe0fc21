"""The demo's formal complaint policy (seed_demo calls it). Idempotent."""

from .models import BusinessCalendar, ComplaintPreset, SlaPolicy

DEMO_COMPLAINT_POLICY = "Formal complaints (EU MiCA)"


def ensure_demo_complaint_policy() -> SlaPolicy:
    """Every formal complaint under the EU MiCA preset (acknowledgement within one business day, a
    reasoned decision within two months), on the default 24x7 calendar. It has no SLA targets of
    its own: a complaint's first response and resolution still come from the default policy."""
    calendar, _ = BusinessCalendar.objects.get_or_create(name="24x7", defaults={"time_zone": "UTC", "is_24x7": True})
    policy, _ = SlaPolicy.objects.update_or_create(
        name=DEMO_COMPLAINT_POLICY,
        defaults={
            "calendar": calendar,
            "position": 10,
            "is_active": True,
            "is_complaint": True,
            "complaint_preset": ComplaintPreset.EU_MICA,
            "complaint_contact": "complaints@exchange.example",
        },
    )
    return policy
