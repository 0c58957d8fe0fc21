"""Human labels for the codes e-mails carry (an outbox payload holds codes, rendered in the
recipient's language at delivery)."""

from django import template

register = template.Library()


@register.filter
def metric_label(code: str) -> str:
    from sla.models import Metric

    return str(Metric(code).label) if code in Metric.values else code


@register.filter
def priority_label(code: str) -> str:
    from tickets.models import Priority

    return str(Priority(code).label) if code in Priority.values else code


@register.filter
def iso_datetime(value: str):
    """An ISO 8601 string from a payload, as a datetime for the |date filter (else unchanged)."""
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(value) or value
    except (TypeError, ValueError):
        return value
