"""The default 24x7 policy the demo and a fresh install start with."""

from django.db import transaction

from tickets.models import Priority

from .models import BusinessCalendar, EscalationRule, EscalationStep, Metric, SlaPolicy, SlaTarget

MINUTES = {
    Metric.FIRST_RESPONSE: {Priority.URGENT: 15, Priority.HIGH: 60, Priority.NORMAL: 240, Priority.LOW: 1440},
    Metric.RESOLUTION: {Priority.URGENT: 240, Priority.HIGH: 1440, Priority.NORMAL: 4320, Priority.LOW: 10080},
    # An agent answers each customer message within these, and posts an update at least this often.
    Metric.NEXT_RESPONSE: {Priority.URGENT: 30, Priority.HIGH: 120, Priority.NORMAL: 480, Priority.LOW: 1440},
    Metric.PERIODIC_UPDATE: {Priority.URGENT: 60, Priority.HIGH: 240, Priority.NORMAL: 1440, Priority.LOW: 4320},
}


@transaction.atomic
def ensure_default_policy(*, name: str = "Default 24x7") -> SlaPolicy:
    calendar, _ = BusinessCalendar.objects.get_or_create(name="24x7", defaults={"time_zone": "UTC", "is_24x7": True})
    policy, _ = SlaPolicy.objects.get_or_create(name=name, defaults={"calendar": calendar, "position": 1000})
    for metric, by_priority in MINUTES.items():
        for priority, minutes in by_priority.items():
            SlaTarget.objects.update_or_create(
                policy=policy, metric=metric, priority=priority, defaults={"minutes": minutes}
            )
    for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION):
        rule, _ = EscalationRule.objects.get_or_create(policy=policy, metric=metric)
        EscalationStep.objects.update_or_create(rule=rule, percent=75, defaults={"notify_assignee": True})
        EscalationStep.objects.update_or_create(
            rule=rule, percent=100, defaults={"notify_team_lead": True, "raise_priority": True}
        )
        EscalationStep.objects.update_or_create(rule=rule, percent=200, defaults={"notify_leads_and_admins": True})
    return policy
