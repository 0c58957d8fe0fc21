"""Guest access: someone who cannot log in opens one ticket with a private, expiring link.

The link's secret is 256 random bits, minted by the e-mail worker while it sends the mail (so
it never sits in the outbox, a task payload or a log) and stored only as its SHA-256. The link
carries it in the URL fragment (`/guest/#k=…`), which browsers never send to the server, so it
stays out of access logs and `Referer`; the page sends it as `Authorization: Guest <secret>`.
A guest ticket belongs to a guest identity until its link is used: only then (proof of the
mailbox) does it join the account that has that e-mail address.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from rest_framework import authentication, exceptions

from accounts.models import CustomerProfile, User
from notifications.services import register_link_minter

from . import audit, hooks, services
from . import notifications as emails
from .models import PRIORITY_RANK, Category, GuestLink, Ticket, TicketEvent
from .routing import initial_priority

Kind = TicketEvent.Kind
SECRET_BYTES = 32
# What a secret looks like (token_urlsafe): anything else is refused before it is hashed.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,128}")
GUEST_USERNAME_PREFIX = "guest-"
MINTER = emails.GUEST_LINK_MINTER  # the name the customer e-mails ask to mint under
INVALID = _("This link is not valid. Ask for a new one.")
EXPIRED = _("This link has expired. Ask for a new one.")
# last_used_at is a hint for staff, not a log: written at most once a minute per link.
USE_STAMP_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class GuestAccess:
    """request.auth for a guest: the one ticket the link opens."""

    ticket_id: int
    link_id: int


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def guest_url(secret: str) -> str:
    return f"{settings.SITE_URL}/guest/#k={secret}"


def is_guest_identity(user: User) -> bool:
    """The stand-in requester of a guest ticket (no password, never an account of its own)."""
    return user.username.startswith(GUEST_USERNAME_PREFIX) and not user.has_usable_password()


def _revoke(*, ticket_id: int, reason: str, actor: User | None, now: datetime) -> int:
    revoked = GuestLink.objects.filter(ticket_id=ticket_id, revoked_at__isnull=True, expires_at__gt=now).update(
        revoked_at=now, revoked_reason=reason
    )
    if revoked:
        audit.record(
            Ticket(pk=ticket_id), actor=actor, kind=Kind.GUEST_LINK_REVOKED, at=now, reason=reason, links=revoked
        )
    return revoked


@transaction.atomic
def guest_link_issue(*, ticket_id: int, email: str, now: datetime) -> str:
    """A fresh link for the ticket; earlier ones stop working. Returns the secret, which the
    caller puts in the e-mail and nowhere else."""
    _revoke(ticket_id=ticket_id, reason="reissued", actor=None, now=now)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    link = GuestLink.objects.create(
        ticket_id=ticket_id,
        email=email,
        secret_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.GUEST_LINK_MAX_AGE),
    )
    audit.record(
        Ticket(pk=ticket_id),
        actor=None,
        kind=Kind.GUEST_LINK_ISSUED,
        at=now,
        link_id=link.pk,
        expires_at=str(link.expires_at),
    )
    return secret


def _mint_for_email(args: dict, now: datetime) -> str:
    """The e-mail worker's hook: the link that replaces the placeholder in a guest's e-mail."""
    return guest_url(guest_link_issue(ticket_id=int(args["ticket_id"]), email=str(args["email"]), now=now))


register_link_minter(MINTER, _mint_for_email)


@transaction.atomic
def guest_links_revoke(*, ticket: Ticket, actor: User | None, reason: str, now: datetime) -> int:
    """Staff (or the desk) close every open link of a ticket."""
    return _revoke(ticket_id=ticket.pk, reason=reason, actor=actor, now=now)


@transaction.atomic
def guest_links_revoke_for_customer(*, user: User, now: datetime) -> int:
    """The customer logged in: the links to their tickets are no longer needed."""
    ticket_ids = set(
        GuestLink.objects.filter(ticket__requester=user, revoked_at__isnull=True, expires_at__gt=now).values_list(
            "ticket_id", flat=True
        )
    )
    return sum(
        _revoke(ticket_id=ticket_id, reason="customer_logged_in", actor=user, now=now) for ticket_id in ticket_ids
    )


def _account_for(email: str, *, excluding: int) -> User | None:
    """An account of its own (it has a password) with this address."""
    return (
        User.objects.filter(email__iexact=email, is_active=True)
        .exclude(pk=excluding)
        .exclude(password__startswith="!")  # unusable password: another guest identity
        .order_by("pk")
        .first()
    )


@transaction.atomic
def guest_ticket_join_account(*, ticket: Ticket, email: str, now: datetime) -> Ticket:
    """The guest proved the mailbox by opening the link: the ticket joins the account with that
    address (if any), which may raise its priority (a VIP's ticket) but never lowers it."""
    locked = Ticket.objects.select_for_update().select_related("requester", "category").get(pk=ticket.pk)
    if not is_guest_identity(locked.requester):
        return locked
    account = _account_for(email, excluding=locked.requester_id)
    if account is None:
        return locked
    previous = locked.requester_id
    locked.requester = account
    locked.updated_at = now
    locked.save(update_fields=["requester", "updated_at"])
    audit.record(
        locked,
        actor=None,
        kind=Kind.REQUESTER_CHANGED,
        at=now,
        previous=previous,
        requester=account.pk,
        reason="guest_link_used",
    )
    priority = initial_priority(category=locked.category, requester=account, asset=locked.asset, amount=locked.amount)
    if PRIORITY_RANK[priority] < locked.priority_rank:
        return services.ticket_change_priority(
            ticket=locked, actor=None, priority=priority, now=now, reason="account_joined"
        )
    # The account's tier may choose other SLA targets.
    hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked


def guest_link_authenticate(*, secret: str, now: datetime) -> GuestLink:
    if not SECRET_PATTERN.fullmatch(secret):
        raise exceptions.AuthenticationFailed(INVALID)
    link = GuestLink.objects.select_related("ticket__requester").filter(secret_hash=hash_secret(secret)).first()
    if link is None or link.revoked_at is not None:
        raise exceptions.AuthenticationFailed(INVALID)
    if link.expires_at <= now:
        raise exceptions.AuthenticationFailed(EXPIRED)
    if link.first_used_at is None:
        first = GuestLink.objects.filter(pk=link.pk, first_used_at__isnull=True).update(
            first_used_at=now, last_used_at=now
        )
        if first:
            link.ticket = guest_ticket_join_account(ticket=link.ticket, email=link.email, now=now)
            # The mailbox is proven now (e.g. an account-compromise report becomes verified).
            hooks.emit(hooks.GuestLinkFirstUsed(ticket=link.ticket, email=link.email, now=now))
    elif link.last_used_at is None or link.last_used_at < now - USE_STAMP_INTERVAL:
        GuestLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def guest_link_request(*, email: str, reference: str, now: datetime) -> None:
    """ "My link expired": a fresh one goes to the ticket's own address when both match. The
    caller always answers the same, so this reveals nothing about tickets or addresses."""
    ticket = (
        Ticket.objects.select_related("requester", "requester__customer_profile")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if ticket is None or not ticket.requester.email or ticket.requester.email.lower() != email.strip().lower():
        return
    emails.guest_link(ticket=ticket, email=ticket.requester.email, now=now)


def guest_identity_create(*, email: str, language: str) -> User:
    """The stand-in requester of one guest ticket: no password, never the account of that address."""
    requester = User(username=f"{GUEST_USERNAME_PREFIX}{secrets.token_hex(8)}", email=email)
    requester.set_unusable_password()
    requester.save()
    CustomerProfile.objects.create(user=requester, language=language)
    return requester


@transaction.atomic
@sensitive_variables()  # the customer's text: never in an error report's frame variables
def guest_ticket_create(
    *,
    email: str,
    category: Category,
    subject: str,
    body: str,
    fields,
    language: str,
    is_complaint: bool = False,
    channel: str = Ticket.Channel.GUEST,
    now: datetime,
) -> Ticket:
    """A ticket from someone who cannot log in (the guest form; channel email: tickets.inbound).
    It gets a guest identity of its own, whoever owns the address: filing with somebody's e-mail
    never reaches their account, tier or history. The e-mailed link is the only way in."""
    language = language if language in ("en", "zh-hans") else "en"
    requester = guest_identity_create(email=email, language=language)
    ticket = services.ticket_create(
        requester=requester,
        category=category,
        subject=subject,
        body=body,
        fields=fields,
        channel=channel,
        language=language,
        is_complaint=is_complaint,
        now=now,
    )
    emails.guest_link(ticket=ticket, email=email, now=now)
    return ticket


class GuestTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Guest <secret>` — the ticket's requester, for that one ticket only.

    Only views that declare `guest_access = True` accept it; everywhere else the header is
    ignored and the caller is anonymous.
    """

    keyword = "Guest"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if not getattr(view, "guest_access", False):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        link = guest_link_authenticate(secret=header[1].decode("ascii", errors="replace"), now=timezone.now())
        requester = link.ticket.requester  # joined by guest_link_authenticate (and by the account join)
        if not requester.is_active:
            raise exceptions.AuthenticationFailed(INVALID)
        return requester, GuestAccess(ticket_id=link.ticket_id, link_id=link.pk)

    def authenticate_header(self, request) -> str:
        return self.keyword
