from celery import shared_task
from django.utils import timezone

from .audit_chain import audit_chain_check


@shared_task(name="tickets.audit_chain_check", acks_late=True, time_limit=300, ignore_result=True)
def audit_chain_check_task() -> int:
    """The recently active tickets' audit chains; returns how many are broken."""
    return len(audit_chain_check(now=timezone.now()))


@shared_task(name="tickets.inbound_imap_poll", acks_late=True, time_limit=300, ignore_result=True)
def inbound_imap_poll_task() -> int:
    """The desk's mailbox: unseen mail becomes tickets and replies (beat, when INBOUND_IMAP_HOST is set)."""
    from .inbound.imap import imap_poll

    return imap_poll().taken
