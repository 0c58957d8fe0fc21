from celery import shared_task
from django.utils import timezone

from .audit_chain import audit_chain_check


@shared_task(name="tickets.audit_chain_check", acks_late=True, time_limit=300, ignore_result=True)
def audit_chain_check_task() -> int:
    """The recently active tickets' audit chains; returns how many are broken."""
    return len(audit_chain_check(now=timezone.now()))
