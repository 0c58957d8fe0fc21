"""The customer's evidence record: everything public about a ticket, with hashes and times."""

from collections.abc import Iterable
from datetime import datetime

from .merge import merged_conversations, merged_into_reference
from .models import Attachment, Message, Ticket
from .timeline import customer_status_label, is_public, public_timeline


def public_record(ticket: Ticket, *, exported_at: datetime) -> dict:
    """Uses the detail prefetches (messages without internal notes for customers, attachments,
    events). Internal notes never appear, whoever exports."""
    satisfaction = getattr(ticket, "satisfaction", None)
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "category": ticket.category.code,
        "category_name": ticket.category.localized_name(),
        "status": ticket.status,
        "status_label": customer_status_label(ticket.status),
        "priority": ticket.priority,
        "created_at": ticket.created_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "exported_at": exported_at,
        "fields": {
            "asset": ticket.asset,
            "network": ticket.network,
            "amount": f"{ticket.amount.normalize():f}" if ticket.amount is not None else None,
            "txid": ticket.txid,
            "address": ticket.address,
            "memo": ticket.memo,
            "order_id": ticket.order_id,
        },
        "messages": _messages(ticket, ticket.messages.all()),
        "attachments": _attachments(ticket.attachments.all()),
        "timeline": public_timeline(ticket),
        "satisfaction": {"rating": satisfaction.rating, "comment": satisfaction.comment} if satisfaction else None,
        "audit": audit_proof(ticket),
        # A merged duplicate: the ticket the conversation continues on (tickets.merge).
        "merged_into": merged_into_reference(ticket),
        # The tickets merged into this one, read where they are (nothing was moved): their public
        # messages and files, and their audit chain's head and length as recorded at the merge.
        "merged_from": [
            {
                "reference": merged.ticket.reference,
                "subject": merged.ticket.subject,
                "merged_at": merged.merged_at,
                "chain_head": merged.chain_head,
                "chain_length": merged.chain_length,
                "messages": _messages(merged.ticket, merged.messages),
                "attachments": _attachments(merged.attachments),
            }
            for merged in merged_conversations(ticket)
        ],
    }


def _messages(ticket: Ticket, messages: Iterable[Message]) -> list[dict]:
    return [
        {
            "at": message.created_at,
            "from": "customer" if message.author_id == ticket.requester_id else "support",
            "author": (message.author.get_full_name() or message.author.username) if message.author else "",
            "body": message.body,
        }
        for message in messages
        if message.kind != Message.Kind.INTERNAL
    ]


def _attachments(attachments: Iterable[Attachment]) -> list[dict]:
    return [
        {
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "uploaded_at": attachment.created_at,
        }
        for attachment in attachments
        if not attachment.internal
    ]


def audit_proof(ticket: Ticket) -> dict:
    """What lets the customer prove later what was recorded (tickets.audit's hash chain): the hash
    of each public entry, the chain's head and length at export time. Staff and auditors can show
    each hash in the chain and the head at that length (manage.py verify_audit); the internal
    events stay out: neither their content nor their hashes, only how many there are in all."""
    return {
        "algorithm": "sha256",
        "chain_head": ticket.audit_head,
        "chain_length": ticket.audit_length,
        "entries": [
            {"at": event.at, "kind": event.kind, "hash": event.hash}
            for event in ticket.events.all()
            if is_public(event)
        ],
    }
