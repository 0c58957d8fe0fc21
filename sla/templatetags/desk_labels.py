"""Human labels for the codes SLA e-mails carry (an outbox payload holds codes, rendered in the
recipient's language at delivery)."""

from django import template
from django.utils.dateparse import parse_datetime

from tickets.models import Priority

from ..models import Metric

register = template.Library()


@register.filter
def metric_label(code: str) -> str:
    return str(Metric(code).label) if code in Metric.values else code


@register.filter
def priority_label(code: str) -> str:
    return str(Priority(code).label) if code in Priority.values else code


@register.filter
def iso_datetime(value: str):
    """An ISO 8601 string from a payload, as a datetime for the |date filter (else unchanged)."""
    try:
        return parse_datetime(value) or value
    except (TypeError, ValueError):
        return value
