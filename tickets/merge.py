"""Merge and split (issue 13, item 3): an agent combines a customer's duplicate ticket with their
main one, or splits a customer's message out into a new ticket. Nothing is ever moved or
rewritten: every message, attachment and event stays on the ticket it was written on, and the
tickets point at each other by reference (events, and the pointer `Ticket.merged_into`).

Merge (`ticket_merge`):
- staff only, both tickets visible to the caller (tickets_visible_to: their teams' for agents);
  the same requester (tickets of two customers are never merged: 409);
- refused (409) for a ticket into itself, a duplicate already merged or closed, a main ticket
  that is closed or was itself merged. A main that was merged is refused, not followed: the agent
  chose a ticket they see as open, and silently merging into another one would surprise them; the
  message names the ticket to use instead;
- both rows are locked in id order (one statement), so two merges of the same pair in opposite
  directions cannot deadlock: the second waits, then finds the first's result and is refused;
- the duplicate gets `merged_into` (main's reference), the pointer, and is closed through the
  ordinary transition (reason `merged`; its SLA clocks stop as on any close);
- the main ticket gets `merged_from` with the duplicate's reference and its audit chain's head
  and length after the duplicate's last event: the main's own chain then commits to the
  duplicate's whole trail as it stood, so a later rewrite of the duplicate shows on both;
- the customer reads a notice on the main ticket (a system message, in their language) and gets
  an e-mail (tickets_merged, rendered when it is sent).

Split (`message_split`): a public message of the ticket's customer becomes the first message of a
new ticket of the same customer, category and team, created by ticket_create (its SLA clocks,
routing, acknowledgement e-mail as for any new ticket). Decision: the new ticket's first message is
a copy of the text (the same author) that references the original through
`Message.split_from`; the original stays where it was, unchanged. Every chain starts with
`created`, so the new ticket's `split_from` event (the source's reference and the message's id)
comes right after it, at the same instant; the source gets `split_to`. The new ticket takes the
source's structured fields (the category may require them; agents correct them if the split-out
matter is about another transaction).

Suggestions (`merge_suggestions`): the requester's other open tickets the caller may see (at most
20, newest first, on ticket_requester_idx), ranked by the existing duplicate rule (same
transaction hash or order id) and then text similarity of subject and the first message's first
500 characters: pg_trgm's similarity() on PostgreSQL (migration 0026 creates the extension), a
token Jaccard in Python elsewhere. Shown in the desk; never applied automatically.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Left
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import sees_every_team

from . import audit, hooks, services
from . import notifications as emails
from .exceptions import TicketConflict, TicketForbidden
from .models import OPEN_STATUS_VALUES, Attachment, InboundEmail, Message, Ticket, TicketEvent
from .selectors import tickets_visible_to

Kind = TicketEvent.Kind
Status = Ticket.Status

MERGE_REASON = "merged"
SUGGESTIONS_MAX = 20
SIMILARITY_BODY_CHARS = 500
# Below this, a text similarity is no reason to suggest a merge (the desk still lists the ticket).
SIMILAR_AT = 0.3


def _lock_in_id_order(*tickets: Ticket) -> dict[int, Ticket]:
    """Both rows locked in one statement, in id order (ORDER BY before FOR UPDATE), whichever
    one the caller names first: no deadlock between two merges of the same pair."""
    rows = Ticket.objects.select_for_update().filter(pk__in=[t.pk for t in tickets]).order_by("pk")
    return {row.pk: row for row in rows}


def _reference_of(ticket_id: int) -> str:
    return Ticket.objects.filter(pk=ticket_id).values_list("reference", flat=True).first() or ""


def _customer_language(ticket: Ticket) -> str:
    profile = getattr(ticket.requester, "customer_profile", None)
    return (profile.language if profile is not None else "") or ticket.language or "en"


def _require_visible(actor: User, *tickets: Ticket) -> None:
    """Agents work on their teams' tickets (and what is assigned to them); the API scopes its
    lookups already, this holds for any other caller of the services."""
    if sees_every_team(actor):
        return
    ids = {t.pk for t in tickets}
    if tickets_visible_to(actor).filter(pk__in=ids).count() != len(ids):
        raise TicketForbidden(_("You can only merge and split tickets you work on."))


@transaction.atomic
def ticket_merge(
    *, duplicate: Ticket, main: Ticket, actor: User, now: datetime, expected_version: int | None = None
) -> Ticket:
    """Merge `duplicate` into `main` (see the module's docstring). `expected_version` is the
    duplicate's version the agent last saw (TicketStale when someone else changed it since).
    Returns the locked main ticket."""
    services._require_staff(actor)
    if duplicate.pk == main.pk:
        raise TicketConflict(_("A ticket cannot be merged into itself."))
    locked = _lock_in_id_order(duplicate, main)
    duplicate, main = locked[duplicate.pk], locked[main.pk]
    services._check_version(duplicate, actor=actor, expected_version=expected_version)
    _require_visible(actor, duplicate, main)
    if duplicate.requester_id != main.requester_id:
        raise TicketConflict(
            _("These tickets belong to different customers: tickets of two customers are never merged.")
        )
    if duplicate.merged_into_id is not None:
        raise TicketConflict(
            _("This ticket was already merged into %(reference)s.")
            % {"reference": _reference_of(duplicate.merged_into_id)}
        )
    if main.merged_into_id is not None:
        raise TicketConflict(
            _("%(main)s was itself merged into %(target)s: merge into that ticket instead.")
            % {"main": main.reference, "target": _reference_of(main.merged_into_id)}
        )
    if duplicate.status == Status.CLOSED:
        raise TicketConflict(_("A closed ticket cannot be merged."))
    if main.status == Status.CLOSED:
        raise TicketConflict(_("A ticket cannot be merged into a closed ticket."))

    audit.record(duplicate, actor=actor, kind=Kind.MERGED_INTO, at=now, into=main.reference, into_id=main.pk)
    duplicate.merged_into = main
    services._touch(duplicate, now, "merged_into")
    services._transition(
        duplicate,
        to=Status.CLOSED,
        actor=actor,
        now=now,
        reason=MERGE_REASON,
        also_allowed=frozenset({Status.CLOSED}),
    )
    # The duplicate's chain as the database holds it after its last event (a listener of the
    # close may have written one through another instance).
    head, length = Ticket.objects.values_list("audit_head", "audit_length").get(pk=duplicate.pk)
    audit.record(
        main,
        actor=actor,
        kind=Kind.MERGED_FROM,
        at=now,
        duplicate=duplicate.reference,
        duplicate_id=duplicate.pk,
        duplicate_chain_head=head,
        duplicate_chain_length=length,
    )
    with translation.override(_customer_language(main)):
        notice = _(
            "Your ticket %(duplicate)s is about the same matter as this one, so we combined them. Nothing you "
            "sent is lost: both conversations are kept and shown here. We continue on this ticket (%(main)s); "
            "please reply here."
        ) % {"duplicate": duplicate.reference, "main": main.reference}
    services.system_message_post(
        ticket=main,
        body=notice,
        kind=Kind.MESSAGE_ADDED,
        now=now,
        author=actor,
        internal=False,
        by="system",
        reason=MERGE_REASON,
    )
    services._touch(main, now)
    emails.tickets_merged(ticket=main, duplicate=duplicate, now=now)
    hooks.emit(hooks.TicketMerged(duplicate=duplicate, main=main, now=now))
    return main


def _already_split_into(source: Ticket, message: Message) -> str | None:
    event = source.events.filter(kind=Kind.SPLIT_TO, data__message_id=message.pk).values_list("data", flat=True).first()
    return event.get("to") if event else None


@transaction.atomic
def message_split(
    *, ticket: Ticket, message: Message, actor: User, now: datetime, subject: str | None = None
) -> Ticket:
    """Split the customer's public `message` of `ticket` out into a new ticket (see the module's
    docstring). Returns the new ticket."""
    services._require_staff(actor)
    source = services._lock(ticket)
    _require_visible(actor, source)
    if message.ticket_id != source.pk:
        raise TicketConflict(_("This message belongs to another ticket."))
    if message.kind != Message.Kind.PUBLIC or message.author_id != source.requester_id:
        raise TicketConflict(_("Only the customer's own messages can be split out into a new ticket."))
    if (split_into := _already_split_into(source, message)) is not None:
        raise TicketConflict(_("This message was already split into %(reference)s.") % {"reference": split_into})
    subject = (subject or "").strip() or _("Split from %(reference)s") % {"reference": source.reference}
    fields = services.TicketFields(**{name: getattr(source, name) for name in services.STRUCTURED_FIELDS})
    created = services.ticket_create(
        requester=source.requester,
        category=source.category,
        subject=subject,
        body=message.body,
        fields=fields,
        channel=source.channel,
        language=source.language,
        now=now,
    )
    first = created.messages.all()[0]  # left on the instance by ticket_create
    first.split_from = message
    first.save(update_fields=["split_from"])
    new = services._lock(created)  # its chain head as stored, whatever the creation's listeners wrote
    audit.record(
        new,
        actor=actor,
        kind=Kind.SPLIT_FROM,
        at=now,
        source=source.reference,
        source_id=source.pk,
        message_id=message.pk,
        message_at=message.created_at.isoformat(),
        copy_message_id=first.pk,
    )
    audit.record(source, actor=actor, kind=Kind.SPLIT_TO, at=now, to=new.reference, to_id=new.pk, message_id=message.pk)
    services._touch(source, now)
    if new.team_id != source.team_id:
        new = services.ticket_change_team(ticket=new, actor=actor, team=source.team, now=now)
    if source.channel in Ticket.GUEST_CHANNELS:
        # ticket_create mails no acknowledgement to a guest: the private link to the new ticket.
        emails.guest_link(ticket=new, email=source.requester.email, now=now)
    hooks.emit(hooks.TicketSplit(source=source, message=message, ticket=new, now=now))
    return new


# --- Reading both conversations ------------------------------------------------------------------


def merged_into_reference(ticket: Ticket) -> str | None:
    """The main ticket's reference when this one was merged, from the prefetched events (the
    detail's), so the answer costs no statement; None otherwise."""
    if ticket.merged_into_id is None:
        return None
    for event in reversed(list(ticket.events.all())):
        if event.kind == Kind.MERGED_INTO:
            return event.data.get("into")
    return _reference_of(ticket.merged_into_id)


@dataclass(frozen=True, slots=True)
class MergedConversation:
    """A duplicate merged into a ticket, read where it is (by reference, nothing moved): its
    public messages and files, and its chain as recorded at the merge."""

    ticket: Ticket
    merged_at: datetime
    chain_head: str
    chain_length: int
    messages: list[Message]
    attachments: list[Attachment]


def merged_conversations(ticket: Ticket) -> list[MergedConversation]:
    """The tickets merged into this one, oldest merge first. No statement unless the prefetched
    events hold a `merged_from`; then three (tickets, their public messages, their public files)."""
    merges = [event for event in ticket.events.all() if event.kind == Kind.MERGED_FROM]
    if not merges:
        return []
    messages = Message.objects.exclude(kind=Message.Kind.INTERNAL).select_related("author").order_by("created_at", "id")
    duplicates = {
        duplicate.pk: duplicate
        for duplicate in Ticket.objects.filter(pk__in=[e.data.get("duplicate_id") for e in merges], merged_into=ticket)
        .only("id", "reference", "subject", "requester_id", "merged_into_id", "created_at")
        .prefetch_related(
            Prefetch("messages", queryset=messages),
            Prefetch("attachments", queryset=Attachment.objects.filter(internal=False).order_by("created_at", "id")),
        )
    }
    found = []
    for event in merges:
        duplicate = duplicates.get(event.data.get("duplicate_id"))
        if duplicate is None:
            continue
        found.append(
            MergedConversation(
                ticket=duplicate,
                merged_at=event.at,
                chain_head=event.data.get("duplicate_chain_head", ""),
                chain_length=event.data.get("duplicate_chain_length", 0),
                messages=list(duplicate.messages.all()),
                attachments=list(duplicate.attachments.all()),
            )
        )
    return found


# --- Suggestions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeSuggestion:
    reference: str
    subject: str
    status: str
    created_at: datetime
    # "txid" or "order_id": the existing duplicate rule matched; "email_subject": this e-mailed
    # ticket named it in its subject (tickets.inbound: no proof, so a suggestion, never a reply).
    same: str | None
    similarity: float  # 0..1, subject and opening text
    score: float
    suggested: bool


_TOKEN = re.compile(r"\w{2,}", re.UNICODE)


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall((text or "").lower()))


def token_jaccard(a: str, b: str) -> float:
    """The SQLite fallback's similarity: shared words over all words (0 when either is empty)."""
    left, right = _tokens(a), _tokens(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _first_public_body() -> Subquery:
    return Subquery(
        Message.objects.filter(ticket=OuterRef("pk"), kind=Message.Kind.PUBLIC)
        .order_by("created_at", "id")
        .values("body")[:1]
    )


def _named_in_email_subject(ticket: Ticket) -> set[str]:
    """The references an e-mailed ticket's mail named in its subject only (tickets.inbound); a
    statement only for e-mailed tickets."""
    if ticket.channel != Ticket.Channel.EMAIL:
        return set()
    return set(
        InboundEmail.objects.filter(ticket=ticket).exclude(suggested_merge="").values_list("suggested_merge", flat=True)
    )


def _candidates(*, ticket: Ticket, user: User) -> QuerySet[Ticket]:
    return (
        tickets_visible_to(user)
        .filter(requester_id=ticket.requester_id, status__in=OPEN_STATUS_VALUES, merged_into__isnull=True)
        .exclude(pk=ticket.pk)
        .order_by("-created_at", "-id")
    )


def merge_suggestions(*, ticket: Ticket, user: User) -> list[MergeSuggestion]:
    """The requester's other open tickets the caller may see, best merge target first (see the
    module's docstring). Two statements: this ticket's opening text, the scored candidates."""
    own_body = (
        ticket.messages.filter(kind=Message.Kind.PUBLIC)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
        or ""
    )[:SIMILARITY_BODY_CHARS]
    columns = ["reference", "subject", "status", "created_at", "txid", "order_id"]
    candidates = _candidates(ticket=ticket, user=user).annotate(
        body_prefix=Left(_first_public_body(), SIMILARITY_BODY_CHARS)
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        candidates = candidates.annotate(
            subject_similarity=TrigramSimilarity("subject", ticket.subject),
            body_similarity=TrigramSimilarity("body_prefix", own_body),
        )
        rows = list(candidates.values(*columns, "subject_similarity", "body_similarity")[:SUGGESTIONS_MAX])
    else:
        rows = list(candidates.values(*columns, "body_prefix")[:SUGGESTIONS_MAX])
        for row in rows:
            row["subject_similarity"] = token_jaccard(row["subject"], ticket.subject)
            row["body_similarity"] = token_jaccard(row.pop("body_prefix") or "", own_body)
    named = _named_in_email_subject(ticket) if rows else set()
    suggestions = []
    for row in rows:
        same = None
        if ticket.txid and row["txid"] and row["txid"].lower() == ticket.txid.lower():
            same = "txid"
        elif ticket.order_id and row["order_id"] == ticket.order_id:
            same = "order_id"
        elif row["reference"] in named:
            same = "email_subject"
        subject_similarity = float(row["subject_similarity"] or 0)
        body_similarity = float(row["body_similarity"] or 0)
        similarity = round(max(subject_similarity, 0.6 * subject_similarity + 0.4 * body_similarity), 3)
        suggestions.append(
            MergeSuggestion(
                reference=row["reference"],
                subject=row["subject"],
                status=row["status"],
                created_at=row["created_at"],
                same=same,
                similarity=similarity,
                score=round((1.0 if same else 0.0) + similarity, 3),
                suggested=bool(same) or similarity >= SIMILAR_AT,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, -s.created_at.timestamp()))
    return suggestions
