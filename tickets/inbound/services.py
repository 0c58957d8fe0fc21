"""Inbound e-mail: a mail to the desk opens a guest ticket or joins one, through the same services
and guards as the portal (ticket_create's checksum validation, the secret guard, incident
matching by its TicketCreated hook; message_add; attachment_add).

A reply joins a ticket only with proof: its reply address (support+<token>@…, the token random
and the ticket's own) or In-Reply-To/References naming an e-mail the desk sent about that ticket
(the outbox row's id is the Message-ID). The From line is forgeable, so it never decides where a
mail goes, nor which account a new ticket joins (a new ticket is a guest ticket; it joins an
account when its private link is used). A reference named only in the subject opens a new guest
ticket with a note for the desk naming it as a merge to consider, never a message in that ticket.
Machines' mail (auto-replies, bounces, lists) is recorded and dropped: no ticket, no answer.
"""

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.debug import sensitive_variables

from notifications.models import OutboxMessage
from notifications.services import MESSAGE_ID_DOMAIN

from .. import audit, guest, secret_guard, services
from ..exceptions import TicketConflict, TicketInvalid
from ..models import Attachment, Category, InboundEmail, Ticket, TicketEvent, TicketReplyAddress
from ..notifications import CUSTOMER_PURPOSES
from .parse import InvalidEmail, ParsedEmail, parse_email

logger = logging.getLogger(__name__)
Status = InboundEmail.Status
TOKEN = re.compile(r"^[0-9a-f]{32}$")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DESK_MESSAGE_ID = re.compile(rf"^({UUID})@{re.escape(MESSAGE_ID_DOMAIN)}$")
CJK = re.compile(r"[\u3400-\u9fff]")


class EmailTooLarge(InvalidEmail):
    pass


@dataclass(frozen=True)
class Received:
    inbound: InboundEmail
    duplicate: bool = False


def _split(address: str) -> tuple[str, str]:
    local, _at, domain = address.rpartition("@")
    return local.lower(), domain.lower()


def _reply_token(recipients: list[str]) -> str | None:
    """The token of a support+<token>@<domain> recipient (the desk's own address, when configured)."""
    desk_local, desk_domain = _split(settings.INBOUND_EMAIL_ADDRESS) if settings.INBOUND_EMAIL_ADDRESS else ("", "")
    for recipient in recipients:
        local, domain = _split(recipient)
        base, plus, token = local.partition("+")
        if not plus or not TOKEN.match(token):
            continue
        if desk_domain and (domain != desk_domain or base != desk_local):
            continue
        return token
    return None


def _ticket_by_token(token: str) -> Ticket | None:
    row = TicketReplyAddress.objects.select_related("ticket__requester").filter(token=token).first()
    return row.ticket if row else None


def _ticket_by_message_id(replied_ids: list[str]) -> Ticket | None:
    """The ticket of the first In-Reply-To/References id that is an e-mail the desk sent to its
    customer (an agent's copy of a ticket, e.g. ticket_assigned, never counts)."""
    ids = []
    for value in replied_ids:
        match = DESK_MESSAGE_ID.match(value.lower())
        if match:
            ids.append(uuid.UUID(match.group(1)))
    if not ids:
        return None
    sent = dict(
        OutboxMessage.objects.filter(
            pk__in=ids,
            kind=OutboxMessage.Kind.EMAIL,
            status=OutboxMessage.Status.SENT,
            purpose__in=CUSTOMER_PURPOSES,
        )
        .exclude(ticket_reference="")
        .values_list("pk", "ticket_reference")
    )
    for message_id in ids:  # In-Reply-To first, then the newest reference
        if message_id in sent:
            return Ticket.objects.select_related("requester").filter(reference=sent[message_id]).first()
    return None


def reply_address_for(ticket: Ticket, *, now: datetime) -> str:
    """support+<token>@domain for a ticket ("" when the desk has no inbound address)."""
    if not settings.INBOUND_EMAIL_ADDRESS:
        return ""
    row = TicketReplyAddress.objects.filter(ticket=ticket).first()
    if row is None:
        try:
            with transaction.atomic():
                row = TicketReplyAddress.objects.create(ticket=ticket, created_at=now)
        except IntegrityError:  # another worker made it meanwhile
            row = TicketReplyAddress.objects.get(ticket=ticket)
    local, domain = _split(settings.INBOUND_EMAIL_ADDRESS)
    return f"{local}+{row.token}@{domain}"


def _shown(body: str) -> str:
    """The body as a message holds it: at most MESSAGE_BODY_MAX_LENGTH (the raw keeps the rest)."""
    limit = settings.MESSAGE_BODY_MAX_LENGTH
    if len(body) <= limit:
        return body
    marker = "\n\n" + _("[Shortened: the whole e-mail is kept as received.]")
    return body[: limit - len(marker)] + marker


def _language(parsed: ParsedEmail) -> str:
    return "zh-hans" if CJK.search(parsed.subject + parsed.body[:2000]) else "en"


def _category() -> Category | None:
    return (
        Category.objects.filter(code=settings.INBOUND_DEFAULT_CATEGORY, is_active=True).first()
        or Category.objects.filter(is_active=True).order_by("pk").first()
    )


def _kept_raw(raw: bytes, parsed: ParsedEmail) -> tuple[bytes, bool]:
    """The raw message to keep: as received, unless a secret is in it. Then the secret guard's
    markers replace it in the raw text; a secret still there after that (inside a base64 part)
    means the raw is not kept at all (withheld): the desk never stores a seed phrase."""
    if not _has_secret(parsed):
        return raw, False
    text = raw.decode("utf-8", errors="surrogateescape")
    cleaned = secret_guard.redact(text).text.encode("utf-8", errors="surrogateescape")
    try:
        again = parse_email(cleaned)
    except InvalidEmail:
        return b"", True
    if _has_secret(again):
        return b"", True
    return cleaned, False


def _has_secret(parsed: ParsedEmail) -> bool:
    texts = [parsed.subject, parsed.full_body] + [
        item.data.decode("utf-8", errors="replace")
        for item in parsed.attachments
        if item.content_type.startswith(("text/", "message/"))
    ]
    return any(secret_guard.redact(text).found for text in texts if text)


def _attach(ticket: Ticket, parsed: ParsedEmail, *, uploader, message_id: int | None, now: datetime) -> list[dict]:
    """Each attachment through attachment_add (content-type check, size limit, SHA-256, the secret
    guard of .txt/.eml); a refused one is listed with why (it stays in the raw message)."""
    results = []
    for item in parsed.attachments:
        entry = {"name": item.name[:255], "size": len(item.data), "sha256": hashlib.sha256(item.data).hexdigest()}
        try:
            attachment = services.attachment_add(
                ticket=ticket,
                uploader=uploader,
                upload=SimpleUploadedFile(item.name[:255] or "attachment", item.data, content_type=item.content_type),
                now=now,
            )
        except (TicketInvalid, TicketConflict) as error:
            entry["refused"] = str(getattr(error, "message", error))[:300]
        else:
            if message_id is not None:
                Attachment.objects.filter(pk=attachment.pk).update(message_id=message_id)
            entry.update(attachment_id=attachment.pk, stored_sha256=attachment.sha256)
        results.append(entry)
    return results


def _reply(inbound: InboundEmail, ticket: Ticket, parsed: ParsedEmail, *, matched_by: str, now: datetime) -> bool:
    """The mail joins `ticket` as its requester's reply (the token or the Message-ID is the proof;
    a From that differs is noted in the event). False when the ticket takes no reply (closed)."""
    if ticket.merged_into_id:
        ticket = Ticket.objects.select_related("requester").get(pk=ticket.merged_into_id)
    author = ticket.requester
    try:
        with transaction.atomic():
            message = services.message_add(
                ticket=ticket, author=author, body=_shown(parsed.body) or _("(The e-mail had no text.)"), now=now
            )
    except TicketConflict:
        return False
    from_matches = bool(author.email) and author.email.lower() == parsed.from_address
    inbound.attachments = _attach(ticket, parsed, uploader=author, message_id=message.pk, now=now)
    audit.record(
        Ticket(pk=ticket.pk),  # the chain head read under the row lock (the services above moved it)
        actor=author,
        kind=TicketEvent.Kind.EMAIL_RECEIVED,
        at=now,
        inbound_email_id=inbound.pk,
        message_id=message.pk,
        matched_by=matched_by,
        from_matches_requester=from_matches,
        attachments=len(inbound.attachments),
    )
    inbound.status, inbound.matched_by = Status.REPLY_ADDED, matched_by
    inbound.ticket, inbound.message = ticket, message
    return True


def _new_ticket(inbound: InboundEmail, parsed: ParsedEmail, *, suggested: str, now: datetime) -> None:
    """A guest ticket, as the no-login form makes one: its own guest identity whoever owns the
    address, the private link mailed to it; never a customer's account by the From line."""
    window = now - timedelta(hours=1)
    opened = InboundEmail.objects.filter(
        from_address=parsed.from_address, status=Status.TICKET_CREATED, received_at__gte=window
    ).count()
    if opened >= settings.INBOUND_NEW_TICKETS_PER_SENDER_HOUR:
        inbound.status, inbound.reason = Status.IGNORED, "sender_rate_limited"
        return
    category = _category()
    if category is None:
        inbound.status, inbound.reason = Status.IGNORED, "no_category"
        return
    language = _language(parsed)
    with override(language):
        subject = parsed.subject or _("E-mail without a subject")
        body = _shown(parsed.body) or _("(The e-mail had no text.)")
    try:
        with transaction.atomic():
            ticket = guest.guest_ticket_create(
                email=parsed.from_address,
                category=category,
                subject=subject,
                body=body,
                fields=services.TicketFields(),
                language=language,
                channel=Ticket.Channel.EMAIL,
                now=now,
            )
    except TicketInvalid as error:
        inbound.status, inbound.reason = Status.IGNORED, f"invalid: {getattr(error, 'message', error)}"[:64]
        return
    first = ticket.messages.order_by("created_at", "id").first()
    inbound.attachments = _attach(
        ticket, parsed, uploader=ticket.requester, message_id=first.pk if first else None, now=now
    )
    if suggested:
        services.note_add(
            ticket=ticket,
            body=_(
                "This e-mail names ticket %(reference)s in its subject, but it did not come to that ticket's reply "
                "address or answer an e-mail the desk sent, and its From line can be forged: it was opened as a new "
                "guest ticket. Suggested merge: %(reference)s, once you are sure it is the same customer (the "
                "ticket joins their account when its private link is used; then merge it)."
            )
            % {"reference": suggested},
            now=now,
        )
    audit.record(
        Ticket(pk=ticket.pk),  # the chain head read under the row lock (the services above moved it)
        actor=ticket.requester,
        kind=TicketEvent.Kind.EMAIL_RECEIVED,
        at=now,
        inbound_email_id=inbound.pk,
        matched_by="",
        suggested_merge=suggested or None,
        attachments=len(inbound.attachments),
    )
    inbound.status, inbound.ticket, inbound.message, inbound.suggested_merge = (
        Status.TICKET_CREATED,
        ticket,
        first,
        suggested,
    )


def _own_addresses() -> set[str]:
    own = {settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL, settings.INBOUND_EMAIL_ADDRESS}
    return {address.rpartition("<")[2].rstrip(">").strip().lower() for address in own if address}


@sensitive_variables()  # the customer's text: never in an error report's frame variables
def inbound_email_receive(raw: bytes, *, source: str, now: datetime) -> Received:
    """Take one raw RFC 822 message. Idempotent by its Message-ID (else its SHA-256): the same
    mail again returns the first one's record (`duplicate`). Raises InvalidEmail for garbage."""
    if len(raw) > settings.INBOUND_MAX_BYTES:
        raise EmailTooLarge("too large")
    parsed = parse_email(raw)
    digest = hashlib.sha256(raw).hexdigest()
    key = f"<{parsed.message_id}>"[:255] if parsed.message_id else f"sha256:{digest}"
    existing = InboundEmail.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return Received(existing, duplicate=True)
    kept, withheld = _kept_raw(raw, parsed)
    try:
        with transaction.atomic():
            # Inserted first: a second delivery of the same mail waits on the unique key, then fails.
            inbound = InboundEmail.objects.create(
                dedupe_key=key,
                source=source,
                status=Status.IGNORED,
                from_address=parsed.from_address[:254],
                subject=secret_guard.redact(parsed.subject).text[:255],
                raw=kept,
                raw_sha256=digest,
                raw_withheld=withheld,
                received_at=now,
            )
            _route(inbound, parsed, now=now)
            inbound.save()
    except IntegrityError:
        existing = InboundEmail.objects.filter(dedupe_key=key).first()
        if existing is None:
            raise
        return Received(existing, duplicate=True)
    return Received(inbound)


def _route(inbound: InboundEmail, parsed: ParsedEmail, *, now: datetime) -> None:
    if parsed.automated:
        inbound.reason = parsed.automated
        return
    if not parsed.from_address:
        inbound.reason = "no_sender"
        return
    if parsed.from_address in _own_addresses():
        inbound.reason = "own_address"  # the desk's own mail come back: never a loop
        return
    token = _reply_token(parsed.recipients)
    ticket, matched_by = (_ticket_by_token(token), "token") if token else (None, "")
    if ticket is None:
        ticket, matched_by = _ticket_by_message_id(parsed.replied_ids), "message_id"
    suggested = ""
    if ticket is not None:
        if _reply(inbound, ticket, parsed, matched_by=matched_by, now=now):
            return
        suggested = ticket.reference  # a closed ticket: a new one, pointing at it
    else:
        named = parsed.subject_references
        if named and Ticket.objects.filter(reference=named[0]).exists():
            suggested = named[0]
    _new_ticket(inbound, parsed, suggested=suggested, now=now)
