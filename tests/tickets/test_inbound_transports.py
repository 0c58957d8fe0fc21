"""Inbound e-mail over real protocols: a message sent with smtplib to a local aiosmtpd server,
handed to the inbound webhook as a mail provider would; and the IMAP poll task with imaplib
against a small IMAP4rev1 server in a thread (LOGIN, SELECT, UID SEARCH/FETCH/STORE, LOGOUT)."""

import queue
import re
import smtplib
import socket
import socketserver
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller

from tickets.models import InboundEmail, Ticket
from tickets.tasks import inbound_imap_poll_task

DESK = "support@desk.example"
SECRET = "inbound-shared-secret"


@pytest.fixture(autouse=True)
def _inbound(settings, other_category):
    settings.INBOUND_EMAIL_ADDRESS = DESK
    settings.INBOUND_WEBHOOK_SECRET = SECRET


def email(sender: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DESK
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content("My deposit has not arrived.")
    return message


class _Collect:
    """The SMTP server's handler: each accepted message's bytes go to the test's queue (the
    database is the test's thread's, so the webhook is called from there)."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[str, list[str], bytes]] = queue.Queue()

    async def handle_DATA(self, server, session, envelope):
        self.received.put((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def test_mail_sent_over_smtp_becomes_a_ticket_through_the_webhook(api_client):
    handler = _Collect()
    with socket.socket() as probe:  # a free port (aiosmtpd's Controller does not report port 0's)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            client.send_message(email("smtp.sender@example.org", "Sent over SMTP"))
        mail_from, recipients, raw = handler.received.get(timeout=10)
    finally:
        controller.stop()

    response = api_client.post(
        "/api/v1/inbound/email/", raw, content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET
    )

    assert (mail_from, recipients) == ("smtp.sender@example.org", [DESK])
    assert response.status_code == 202
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel) == ("Sent over SMTP", Ticket.Channel.EMAIL)


class _Mailbox:
    def __init__(self, messages: list[bytes]) -> None:
        self.messages = {uid: raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[int] = set()
        self.commands: list[str] = []


class _ImapHandler(socketserver.StreamRequestHandler):
    """Just enough IMAP4rev1 for imaplib and the poll (RFC 3501's responses, literals for bodies)."""

    def _send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box: _Mailbox = self.server.mailbox
        self._send("* OK [CAPABILITY IMAP4rev1] test server ready")
        while line := self.rfile.readline():
            tag, _space, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _space, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _space, args = args.partition(" ")
                command = f"UID {command.upper()}"
            box.commands.append(command)
            if command == "CAPABILITY":
                self._send("* CAPABILITY IMAP4rev1")
            elif command == "LOGIN":
                user, _space, password = args.partition(" ")
                if (user.strip('"'), password.strip('"')) != ("desk", "pw"):
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
            elif command == "SELECT":
                self._send(f"* {len(box.messages)} EXISTS")
                self._send("* FLAGS (\\Seen)")
                self._send(f"{tag} OK [READ-WRITE] SELECT completed")
                continue
            elif command == "UID SEARCH":
                unseen = [str(uid) for uid in box.messages if uid not in box.seen]
                self._send("* SEARCH " + " ".join(unseen))
            elif command == "UID FETCH":
                uid = int(args.split(" ")[0])
                raw = box.messages[uid]
                self.wfile.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
            elif command == "UID STORE":
                uid = int(args.split(" ")[0])
                if "\\Seen" in args:
                    box.seen.add(uid)
                self._send(f"* {uid} FETCH (FLAGS (\\Seen) UID {uid})")
            elif command == "LOGOUT":
                self._send("* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed")
                return
            else:
                self._send(f"{tag} BAD unknown command")
                continue
            self._send(f"{tag} OK {command} completed")


@pytest.fixture
def imap_server(settings):
    servers = []

    def start(messages: list[bytes]) -> _Mailbox:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ImapHandler)
        server.daemon_threads = True
        server.mailbox = _Mailbox(messages)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.INBOUND_IMAP_HOST, settings.INBOUND_IMAP_PORT = server.server_address
        settings.INBOUND_IMAP_SSL = False
        settings.INBOUND_IMAP_USER, settings.INBOUND_IMAP_PASSWORD = "desk", "pw"
        settings.INBOUND_IMAP_MAILBOX = "INBOX"
        return server.mailbox

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_imap_poll_makes_a_ticket_of_each_unseen_message_and_marks_it_seen(imap_server):
    box = imap_server([email("one@example.org", "First").as_bytes(), email("two@example.org", "Second").as_bytes()])

    taken = inbound_imap_poll_task()

    assert taken == 2
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"First", "Second"}
    assert box.seen == {1, 2}
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {InboundEmail.Source.IMAP}


def test_imap_poll_reads_with_peek_and_marks_seen_after_processing(imap_server):
    box = imap_server([email("one@example.org", "First").as_bytes()])

    inbound_imap_poll_task()

    assert box.commands.index("UID FETCH") < box.commands.index("UID STORE")
    assert box.commands[-1] == "LOGOUT"


def test_imap_poll_again_fetches_nothing_new(imap_server):
    imap_server([email("one@example.org", "First").as_bytes()])
    inbound_imap_poll_task()

    assert inbound_imap_poll_task() == 0
    assert Ticket.objects.count() == 1


def test_imap_message_that_fails_stays_unseen(imap_server, monkeypatch):
    box = imap_server([email("one@example.org", "First").as_bytes()])

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("tickets.inbound.imap.inbound_email_receive", broken)
    inbound_imap_poll_task()

    assert box.seen == set()


def test_imap_poll_does_nothing_when_no_mailbox_is_configured(settings):
    settings.INBOUND_IMAP_HOST = ""

    assert inbound_imap_poll_task() == 0


def test_beat_polls_imap_only_when_configured():
    from django.conf import settings

    assert ("inbound-imap-poll" in settings.CELERY_BEAT_SCHEDULE) == bool(re.sub(r"\s", "", settings.INBOUND_IMAP_HOST))
