"""Inbound e-mail (issue 14 item 3): mail to the desk opens guest tickets and threads replies only
with proof (the reply address's token, or a desk-sent Message-ID), never by the From line; a
machine's mail is dropped; evidence (attachments, the raw message) kept with SHA-256."""

import base64
import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from notifications.models import OutboxMessage
from tests.factories import CustomerFactory
from tickets import guest, services
from tickets.inbound.parse import html_to_text, parse_email, trim_quoted
from tickets.inbound.services import inbound_email_receive
from tickets.models import Attachment, InboundEmail, Message, Ticket, TicketEvent, TicketReplyAddress

DESK = "support@desk.example"
SECRET = "inbound-shared-secret"
WEBHOOK = "/api/v1/inbound/email/"
SEED = "abandon ability able about above absent absorb abstract absurd abuse access accident"


@pytest.fixture(autouse=True)
def _inbound(settings, other_category):
    settings.INBOUND_EMAIL_ADDRESS = DESK
    settings.INBOUND_WEBHOOK_SECRET = SECRET
    settings.INBOUND_DEFAULT_CATEGORY = "other"


def email(
    *,
    sender="someone@example.org",
    to=DESK,
    subject="My deposit is missing",
    body="Hello, my USDT deposit has not arrived.",
    headers=None,
    message_id=None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def receive(message) -> InboundEmail:
    raw = message if isinstance(message, bytes) else message.as_bytes()
    return inbound_email_receive(raw, source=InboundEmail.Source.WEBHOOK, now=timezone.now()).inbound


@pytest.fixture
def desk_ticket(customer, other_category, django_capture_on_commit_callbacks):
    """alice's ticket filed on the portal; its acknowledgement e-mail sent (mail.outbox[0])."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            requester=customer,
            category=other_category,
            subject="Withdrawal stuck",
            body="My withdrawal is pending since Monday.",
            fields=services.TicketFields(),
            now=timezone.now(),
        )
    assert len(mail.outbox) == 1
    return ticket


def test_mail_from_a_customers_address_opens_a_guest_ticket_not_on_their_account(customer):
    inbound = receive(email(sender=customer.email))

    ticket = inbound.ticket
    assert inbound.status == InboundEmail.Status.TICKET_CREATED
    assert ticket.channel == Ticket.Channel.EMAIL
    assert ticket.requester != customer
    assert guest.is_guest_identity(ticket.requester)
    assert ticket.requester.email == customer.email


def test_a_new_e_mailed_ticket_gets_the_guest_link_by_e_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receive(email(sender="new.person@example.org"))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert "/guest/#k=" in mail.outbox[0].body


def test_customer_emails_carry_the_tickets_reply_address(desk_ticket):
    token = TicketReplyAddress.objects.get(ticket=desk_ticket).token

    assert mail.outbox[0].reply_to == [f"support+{token}@desk.example"]


def test_staff_emails_carry_no_reply_address(desk_ticket, lead, outside_agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=desk_ticket, actor=lead, assignee=outside_agent, now=timezone.now())

    assert mail.outbox[-1].to == [outside_agent.email]
    assert mail.outbox[-1].reply_to == []


def test_reply_to_the_reply_address_joins_the_ticket(desk_ticket, customer):
    address = mail.outbox[0].reply_to[0]

    inbound = receive(email(sender=customer.email, to=address, subject="Re: Withdrawal stuck", body="Any news?"))

    assert inbound.status == InboundEmail.Status.REPLY_ADDED
    assert inbound.matched_by == "token"
    assert desk_ticket.messages.filter(author=customer, body="Any news?").exists()


def test_reply_to_the_reply_address_from_another_address_is_noted(desk_ticket, customer):
    address = mail.outbox[0].reply_to[0]

    receive(email(sender="alice.other@example.net", to=address, body="From my other mailbox"))

    event = desk_ticket.events.get(kind=TicketEvent.Kind.EMAIL_RECEIVED)
    assert event.data["from_matches_requester"] is False
    assert desk_ticket.messages.filter(body="From my other mailbox", author=customer).exists()


def test_reply_naming_a_desk_sent_message_id_joins_the_ticket(desk_ticket, customer):
    sent_id = mail.outbox[0].extra_headers["Message-ID"]

    inbound = receive(email(sender=customer.email, body="Still waiting", headers={"In-Reply-To": sent_id}))

    assert inbound.matched_by == "message_id"
    assert inbound.ticket == desk_ticket
    assert desk_ticket.messages.filter(body="Still waiting").exists()


def test_references_to_an_id_the_desk_never_sent_open_a_new_ticket(desk_ticket, customer):
    forged = "<00000000-0000-4000-8000-000000000000@support-desk>"

    inbound = receive(email(sender=customer.email, headers={"References": forged}))

    assert inbound.status == InboundEmail.Status.TICKET_CREATED
    assert inbound.ticket != desk_ticket


def test_subject_reference_alone_opens_a_guest_ticket_suggested_for_merge(desk_ticket, customer):
    before = desk_ticket.messages.count()

    inbound = receive(email(sender=customer.email, subject=f"Re: [{desk_ticket.reference}] Withdrawal stuck"))

    assert desk_ticket.messages.count() == before
    assert inbound.ticket != desk_ticket
    assert inbound.suggested_merge == desk_ticket.reference
    event = inbound.ticket.events.get(kind=TicketEvent.Kind.EMAIL_RECEIVED)
    assert event.data["suggested_merge"] == desk_ticket.reference
    note = inbound.ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert desk_ticket.reference in note.body


AUTOMATED = {
    "auto_submitted": {"Auto-Submitted": "auto-replied"},
    "precedence_bulk": {"Precedence": "bulk"},
    "x_autoreply": {"X-Autoreply": "yes"},
}


@pytest.mark.parametrize("headers", AUTOMATED.values(), ids=AUTOMATED.keys())
def test_auto_replies_make_no_ticket_and_no_mail(headers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(email(headers=headers, subject="Out of office"))

    assert inbound.status == InboundEmail.Status.IGNORED
    assert not Ticket.objects.exists()
    assert mail.outbox == []


def delivery_report() -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.org\r\n"
        b"To: support@desk.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <dsn1@mx.example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--B--\r\n"
    )


def test_a_bounce_makes_no_ticket_and_no_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(delivery_report())

    assert (inbound.status, inbound.reason) == (InboundEmail.Status.IGNORED, "delivery_report")
    assert not Ticket.objects.exists()
    assert mail.outbox == []


def test_a_bounce_to_a_reply_address_adds_nothing_to_the_ticket(desk_ticket):
    before = desk_ticket.messages.count()
    raw = delivery_report().replace(b"To: support@desk.example", f"To: {mail.outbox[0].reply_to[0]}".encode())

    receive(raw)

    assert desk_ticket.messages.count() == before


def test_quoted_history_is_trimmed_from_the_shown_body():
    body = "Thanks, it arrived.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@desk.example> wrote:\n> Old text\n"

    inbound = receive(email(body=body))

    assert inbound.ticket.messages.get(kind=Message.Kind.PUBLIC).body == "Thanks, it arrived."


def test_the_raw_message_is_kept_with_its_sha256():
    message = email(body="Thanks.\n\n> Quoted history stays in the raw\n")
    raw = message.as_bytes()

    inbound = receive(raw)

    stored = bytes(InboundEmail.objects.get(pk=inbound.pk).raw)
    assert stored == raw
    assert inbound.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert b"Quoted history stays in the raw" in stored


def test_attachments_are_kept_with_their_sha256():
    message = email()
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    message.add_attachment(png, maintype="image", subtype="png", filename="screenshot.png")

    inbound = receive(message)

    attachment = Attachment.objects.get(ticket=inbound.ticket)
    assert attachment.sha256 == hashlib.sha256(png).hexdigest()
    assert attachment.original_name == "screenshot.png"
    assert attachment.message == inbound.message
    assert inbound.attachments[0]["sha256"] == attachment.sha256


def test_a_secret_in_the_body_is_redacted_and_not_kept_in_the_raw():
    inbound = receive(email(body=f"My seed phrase is {SEED} please help"))

    ticket = inbound.ticket
    assert SEED not in ticket.messages.get(kind=Message.Kind.PUBLIC).body
    assert ticket.secret_exposed
    assert SEED.encode() not in bytes(InboundEmail.objects.get(pk=inbound.pk).raw)


def test_the_same_message_fetched_twice_is_one_ticket():
    message = email()

    first = inbound_email_receive(message.as_bytes(), source="imap", now=timezone.now())
    second = inbound_email_receive(message.as_bytes(), source="webhook", now=timezone.now())

    assert second.duplicate
    assert second.inbound.pk == first.inbound.pk
    assert Ticket.objects.count() == 1


def test_the_desks_own_mail_coming_back_is_ignored(settings):
    inbound = receive(email(sender=settings.DEFAULT_FROM_EMAIL))

    assert (inbound.status, inbound.reason) == (InboundEmail.Status.IGNORED, "own_address")


def test_one_sender_opens_a_limited_number_of_tickets_per_hour(settings):
    settings.INBOUND_NEW_TICKETS_PER_SENDER_HOUR = 2
    for _ in range(3):
        last = receive(email(sender="loop@example.org"))

    assert Ticket.objects.count() == 2
    assert last.reason == "sender_rate_limited"


def test_a_reply_to_a_closed_ticket_opens_a_new_one_pointing_at_it(desk_ticket, customer):
    Ticket.objects.filter(pk=desk_ticket.pk).update(status=Ticket.Status.CLOSED)

    inbound = receive(email(sender=customer.email, to=mail.outbox[0].reply_to[0]))

    assert inbound.status == InboundEmail.Status.TICKET_CREATED
    assert inbound.suggested_merge == desk_ticket.reference


# --- parsing ---


def test_html_only_mail_is_read_as_text():
    message = EmailMessage()
    message["From"] = "html@example.org"
    message["Subject"] = "Hi"
    message.set_content(
        "<html><body><p>First line</p><p>Second&nbsp;line</p><script>x()</script></body></html>", subtype="html"
    )

    assert parse_email(message.as_bytes()).body == "First line\n\nSecond line"


def test_html_blockquote_is_quoted_history():
    assert html_to_text("<p>New</p><blockquote>Old</blockquote>").splitlines()[-1] == "> Old"


@pytest.mark.parametrize(
    "history",
    [
        "在 2026年12月1日 10:00，Support <support@desk.example> 写道：\n旧的内容",
        "-----Original Message-----\nFrom: Support\nSent: Monday\nOld",
        "From: Support <support@desk.example>\nSent: Monday, 1 December 2026 10:00\nTo: me\nOld",
        "> old line\n> another",
    ],
    ids=["chinese", "outlook_separator", "outlook_headers", "angle_quotes"],
)
def test_trim_quoted_keeps_only_the_new_text(history):
    assert trim_quoted(f"New text\n\n{history}") == "New text"


def test_mailer_daemon_senders_are_machines():
    assert parse_email(email(sender="MAILER-DAEMON@mx.example.org").as_bytes()).automated == "automated_sender"


# --- the webhook ---


def test_webhook_without_a_secret_is_a_401(api_client):
    response = api_client.post(WEBHOOK, email().as_bytes(), content_type="message/rfc822")

    assert response.status_code == 401


def test_webhook_with_a_wrong_secret_is_a_403(api_client):
    response = api_client.post(
        WEBHOOK, email().as_bytes(), content_type="message/rfc822", HTTP_X_INBOUND_SECRET="wrong"
    )

    assert response.status_code == 403
    assert not InboundEmail.objects.exists()


def test_webhook_refuses_everything_when_no_secret_is_configured(api_client, settings):
    settings.INBOUND_WEBHOOK_SECRET = ""

    response = api_client.post(WEBHOOK, email().as_bytes(), content_type="message/rfc822", HTTP_X_INBOUND_SECRET="x")

    assert response.status_code == 403


def test_webhook_takes_a_raw_message_with_the_secret(api_client):
    response = api_client.post(WEBHOOK, email().as_bytes(), content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET)

    assert response.status_code == 202
    assert Ticket.objects.get().channel == Ticket.Channel.EMAIL


def test_webhook_takes_basic_auth_and_a_form_field(api_client):
    credentials = base64.b64encode(f"inbound:{SECRET}".encode()).decode()

    response = api_client.post(
        WEBHOOK, {"email": email().as_string()}, format="multipart", HTTP_AUTHORIZATION=f"Basic {credentials}"
    )

    assert response.status_code == 202


def test_webhook_answers_200_for_a_duplicate(api_client):
    raw = email().as_bytes()
    api_client.post(WEBHOOK, raw, content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET)

    response = api_client.post(WEBHOOK, raw, content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET)

    assert response.status_code == 200
    assert response.json()["duplicate"] is True


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff\xfe not mail", b"just some words", b"\r\n\r\n"])
def test_webhook_answers_garbage_with_a_400(api_client, garbage):
    response = api_client.post(WEBHOOK, garbage, content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET)

    assert response.status_code == 400


def test_outbox_message_id_is_the_row_id(desk_ticket):
    row = OutboxMessage.objects.get(purpose="ticket_created")

    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{row.pk}@support-desk>"
    assert re.fullmatch(r"support\+[0-9a-f]{32}@desk\.example", mail.outbox[0].reply_to[0])


def test_another_customers_address_in_from_does_not_reach_their_ticket(desk_ticket, customer):
    """A forged From of the ticket's owner with no token and no desk Message-ID."""
    mallory = CustomerFactory(username="mallory2")

    inbound = receive(email(sender=customer.email, subject="Re: Withdrawal stuck"))

    assert inbound.ticket != desk_ticket
    assert inbound.ticket.requester not in (customer, mallory)


def test_a_very_long_body_is_shortened_in_the_message_and_whole_in_the_raw(settings):
    settings.MESSAGE_BODY_MAX_LENGTH = 200
    message = email(body="x" * 1000)

    inbound = receive(message)

    shown = inbound.ticket.messages.get(kind=Message.Kind.PUBLIC).body
    assert len(shown) <= 200
    assert b"x" * 900 in bytes(InboundEmail.objects.get(pk=inbound.pk).raw).replace(b"=\n", b"")


def test_the_admin_lists_inbound_emails(admin_user, client):
    receive(email(headers={"Auto-Submitted": "auto-replied"}))
    client.force_login(admin_user)

    response = client.get("/admin/tickets/inboundemail/")

    assert response.status_code == 200
    assert b"auto_submitted" in response.content


def test_webhook_refuses_a_mail_larger_than_the_limit_with_a_400(api_client, settings):
    settings.INBOUND_MAX_BYTES = 500

    response = api_client.post(
        WEBHOOK, email(body="x" * 1000).as_bytes(), content_type="message/rfc822", HTTP_X_INBOUND_SECRET=SECRET
    )

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_the_sender_of_a_subject_reference_never_learns_of_the_referenced_ticket(
    desk_ticket, customer, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(email(sender="forger@example.org", subject=f"[{desk_ticket.reference}] help"))
    secret = re.search(r"/guest/#k=([A-Za-z0-9_-]+)", mail.outbox[-1].body).group(1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Guest {secret}")

    response = api_client.get(f"/api/v1/tickets/{inbound.ticket.reference}/")

    assert response.status_code == 200
    body = response.content.decode().replace(f"[{desk_ticket.reference}] help", "")
    assert desk_ticket.reference not in body


def test_an_e_mailed_ticket_is_matched_to_an_active_incident(lead, other_category):
    from incidents.models import Incident, IncidentLink
    from incidents.services import incident_create

    incident = incident_create(
        actor=lead,
        fields={
            "title": "Mail outage",
            "message": "We know.",
            "status": Incident.Status.IDENTIFIED,
            "started_at": timezone.now(),
        },
        categories=[other_category],
        now=timezone.now(),
    )

    inbound = receive(email())

    assert IncidentLink.objects.get(ticket=inbound.ticket).incident == incident


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_the_same_message_taken_twice_at_once_is_one_ticket():
    raw = email().as_bytes()
    barrier = threading.Barrier(2)

    def take(source):
        try:
            barrier.wait(timeout=30)
            return inbound_email_receive(raw, source=source, now=timezone.now()).duplicate
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=2) as pool:
        duplicates = sorted(pool.map(take, ["imap", "webhook"]))

    assert duplicates == [False, True]
    assert Ticket.objects.count() == 1


def test_the_desks_acknowledgement_is_marked_auto_submitted(desk_ticket):
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-replied"


def test_an_agents_reply_is_not_marked_auto_submitted(desk_ticket, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=desk_ticket, author=lead, body="We are on it.", now=timezone.now())

    assert mail.outbox[-1].extra_headers["X-Desk-Purpose"] == "agent_replied"
    assert "Auto-Submitted" not in mail.outbox[-1].extra_headers


def test_once_its_link_is_used_the_subject_reference_is_a_suggested_merge(
    desk_ticket, customer, lead, django_capture_on_commit_callbacks
):
    from tickets.merge import merge_suggestions

    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(email(sender=customer.email, subject=f"Re: [{desk_ticket.reference}] different words"))
    secret = re.search(r"/guest/#k=([A-Za-z0-9_-]+)", mail.outbox[-1].body).group(1)
    guest.guest_link_authenticate(secret=secret, now=timezone.now())  # the mailbox proven: alice's now

    suggestions = merge_suggestions(ticket=Ticket.objects.get(pk=inbound.ticket_id), user=lead)

    named = next(s for s in suggestions if s.reference == desk_ticket.reference)
    assert (named.same, named.suggested) == ("email_subject", True)
