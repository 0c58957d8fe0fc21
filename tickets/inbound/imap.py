"""The IMAP poll: each UNSEEN message of the desk's mailbox through inbound_email_receive, marked
\\Seen only once its processing committed (a crash before leaves it unseen: fetched again next
time, and the Message-ID makes that one ticket)."""

import contextlib
import imaplib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ..models import InboundEmail
from .parse import InvalidEmail
from .services import inbound_email_receive

logger = logging.getLogger(__name__)


@dataclass
class PollResult:
    fetched: int = 0
    taken: int = 0
    duplicates: int = 0
    invalid: int = 0


def _connect() -> imaplib.IMAP4:
    host, port = settings.INBOUND_IMAP_HOST, settings.INBOUND_IMAP_PORT
    if settings.INBOUND_IMAP_SSL:
        return imaplib.IMAP4_SSL(host, port, timeout=30)
    return imaplib.IMAP4(host, port, timeout=30)


def imap_poll(*, limit: int = 200) -> PollResult:
    """Fetch up to `limit` unseen messages (BODY.PEEK: reading does not mark them) and take each."""
    result = PollResult()
    if not settings.INBOUND_IMAP_HOST:
        return result
    client = _connect()
    try:
        client.login(settings.INBOUND_IMAP_USER, settings.INBOUND_IMAP_PASSWORD)
        client.select(settings.INBOUND_IMAP_MAILBOX)
        kind, data = client.uid("SEARCH", None, "UNSEEN")
        if kind != "OK":
            return result
        for uid in (data[0] or b"").split()[:limit]:
            kind, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts or [] if isinstance(part, tuple) and len(part) > 1), None)
            if kind != "OK" or raw is None:
                continue
            result.fetched += 1
            try:
                received = inbound_email_receive(raw, source=InboundEmail.Source.IMAP, now=timezone.now())
            except InvalidEmail:
                result.invalid += 1  # garbage is marked seen too: it will never become an e-mail
            except Exception:
                logger.exception("Inbound e-mail %s failed; left unseen for the next poll", uid)
                continue
            else:
                result.duplicates += received.duplicate
                result.taken += not received.duplicate
            # inbound_email_receive has committed (it runs in its own transaction): now \Seen.
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(Exception):  # the connection may already be gone
            client.logout()
    return result
