"""The secret guard and the outbound guard where text enters and leaves the desk: tickets, replies,
guest tickets, uploads, macros. The generated corpus (tests/tickets/secret_corpus.py) goes in;
nothing of it comes out of the database, the outbox, the sent e-mail or the logs."""

import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.factories import MacroFactory
from tests.tickets.secret_corpus import SECRETS
from tickets import secret_guard
from tickets.models import Attachment, Message, Priority, Ticket, TicketEvent
from tickets.outbound_guard import outbound_kinds

SEED = next(case for case in SECRETS if case.id == "bip39-english-12-spaces").secret
WIF = next(case for case in SECRETS if case.kind == secret_guard.WIF_KEY).secret


def _flatten(value) -> str:
    if isinstance(value, dict):
        return " ".join(_flatten(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(_flatten(v) for v in value)
    return str(value)


def database_text() -> str:
    """Every row of every table, as text (a database dump, without the JSON escaping)."""
    return "\n".join(_flatten(row) for model in apps.get_models() for row in model.objects.values())


def sent_mail_text() -> str:
    parts = []
    for message in mail.outbox:
        parts += [message.subject, message.body, *(content for content, _type in getattr(message, "alternatives", []))]
    return "\n".join(parts)


def file_ticket(client, user, *, body="Sent an hour ago.", subject="Where is my deposit?", headers=None, **fields):
    client.force_authenticate(user)
    data = {"category": "other", "subject": subject, "body": body, **fields}
    return client.post("/api/v1/tickets/", data, format="json", headers=headers)


@pytest.fixture
def filed(api_client, customer, other_category, security, sla_policy, django_capture_on_commit_callbacks):
    def file(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = file_ticket(api_client, customer, **kwargs)
        assert response.status_code == 201, response.content
        return response, Ticket.objects.get(reference=response.data["reference"])

    return file


def test_a_seed_phrase_in_a_new_ticket_is_stored_as_a_marker(filed):
    response, ticket = filed(body=f"My words: {SEED}")
    assert ticket.messages.get().body == "My words: [redacted: seed phrase]"
    assert SEED not in response.content.decode()


def test_a_ticket_with_a_secret_is_flagged_urgent_and_goes_to_security(filed):
    _response, ticket = filed(body=f"My words: {SEED}")
    assert ticket.secret_exposed
    assert ticket.priority == Priority.URGENT
    assert ticket.team.code == "security"


def test_the_event_names_the_kind_and_never_the_secret(filed):
    _response, ticket = filed(subject=f"key {WIF}", body=f"My words: {SEED}")
    event = ticket.events.get(kind=TicketEvent.Kind.SECRET_REDACTED)
    assert event.data["kinds"] == sorted([secret_guard.SEED_PHRASE, secret_guard.WIF_KEY])
    assert event.data["fields"] == ["subject", "body"]
    assert SEED not in str(event.data) and WIF not in str(event.data)


def test_the_customer_is_warned_at_once_in_their_language(api_client, customer, other_category, security):
    with translation.override("zh-hans"):
        response = file_ticket(api_client, customer, body=f"助记词 {SEED}", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 201, response.content
    assert response.data["secret_exposed"] is True
    assert "已泄露" in response.data["secret_warning"]  # "compromised"


def test_a_ticket_without_a_secret_has_no_warning(filed):
    response, ticket = filed()
    assert response.data["secret_warning"] is None
    assert not ticket.secret_exposed
    assert ticket.priority != Priority.URGENT or ticket.team.code != "security"


def test_a_txid_in_the_txid_field_is_kept(api_client, customer, category, security):
    txid = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    api_client.force_authenticate(customer)
    response = api_client.post(
        "/api/v1/tickets/",
        {
            "category": category.code,
            "subject": "Withdrawal",
            "body": f"private key question, txid {txid}",
            "asset": "BTC",
            "network": "bitcoin",
            "amount": "0.1",
            "txid": txid,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get(reference=response.data["reference"]).txid == txid


def test_the_whole_corpus_leaves_no_trace_in_database_outbox_mail_or_logs(filed, caplog):
    caplog.set_level(logging.DEBUG)
    batch, batches = [], []
    for case in SECRETS:
        batch.append(case.text)
        if sum(len(text) for text in batch) > 4000:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    for texts in batches:
        filed(body="\n\n".join(texts))
    dump, sent = database_text(), sent_mail_text()
    logs = "\n".join(record.getMessage() for record in caplog.records)
    leaked = [case.id for case in SECRETS if case.secret in dump or case.secret in sent or case.secret in logs]
    assert len(SECRETS) >= 300
    assert leaked == []
    assert mail.outbox  # the e-mails were sent, without the secrets


def test_a_customer_reply_with_a_secret_is_redacted_and_moves_the_ticket(api_client, customer, ticket, security):
    api_client.force_authenticate(customer)
    response = api_client.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": f"key: {WIF}"}, format="json")
    assert response.status_code == 201
    assert response.data["body"] == "key: [redacted: private key]"
    assert response.data["secret_warning"]
    ticket.refresh_from_db()
    assert (ticket.secret_exposed, ticket.priority, ticket.team.code) == (True, Priority.URGENT, "security")
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.SECRET_REDACTED, TicketEvent.Kind.PRIORITY_CHANGED, TicketEvent.Kind.TEAM_CHANGED} <= kinds


def test_a_validation_error_never_echoes_the_text(api_client, customer, other_category):
    api_client.force_authenticate(customer)
    response = api_client.post(
        "/api/v1/tickets/",
        {"category": "other", "subject": SEED * 10, "body": SEED, "network": WIF, "asset": WIF},
        format="json",
    )
    assert response.status_code == 400
    assert SEED not in response.content.decode() and WIF not in response.content.decode()


def test_a_guest_ticket_with_a_secret_is_redacted_and_the_guest_warned(api_client, other_category, security):
    response = api_client.post(
        "/api/v1/guest/tickets/",
        {"category": "other", "subject": "Locked out", "body": f"Hi, {SEED}", "email": "guest@example.com"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.data["secret_warning"]
    assert SEED not in database_text()
    assert Message.objects.get().body == "Hi, [redacted: seed phrase]"


def test_a_text_upload_is_stored_without_its_secret(api_client, customer, ticket, security):
    api_client.force_authenticate(customer)
    upload = SimpleUploadedFile(f"{WIF}.txt", f"wallet backup\n{SEED}\n".encode(), content_type="text/plain")
    response = api_client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    stored = attachment.file.read().decode()
    assert stored == "wallet backup\n[redacted: seed phrase]\n"
    assert attachment.original_name == "[redacted: private key].txt"
    assert response.data["secret_warning"]
    ticket.refresh_from_db()
    assert ticket.secret_exposed


def test_an_agent_reply_asking_for_the_seed_phrase_is_refused(api_client, agent, ticket):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/",
        {"body": "Please send us your seed phrase to verify the wallet."},
        format="json",
    )
    assert response.status_code == 400
    assert "seed phrase" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket).exists()


def test_an_internal_note_is_not_checked_outbound(api_client, agent, ticket):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/",
        {"body": "Customer was asked to send your seed phrase by a scammer? check", "internal": True},
        format="json",
    )
    assert response.status_code == 201


def test_an_agent_reply_with_the_usual_warning_is_sent(api_client, agent, ticket):
    api_client.force_authenticate(agent)
    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/",
        {"body": "Your withdrawal is on its way. Never share your seed phrase with anyone."},
        format="json",
    )
    assert response.status_code == 201


def test_a_macro_asking_for_a_2fa_code_cannot_be_created(api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(
        "/api/v1/macros/", {"name": "Unlock", "body": "Please send the 2FA code from your app."}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.data or "2FA" in response.content.decode()


def test_a_macro_cannot_be_changed_to_ask_for_a_password(api_client, lead):
    macro = MacroFactory(body="Hello {customer_name}")
    api_client.force_authenticate(lead)
    response = api_client.patch(f"/api/v1/macros/{macro.pk}/", {"body": "Tell me your password."}, format="json")
    assert response.status_code == 400


def test_a_stored_macro_asking_for_remote_access_cannot_be_applied(api_client, agent, ticket):
    macro = MacroFactory(body="Please install AnyDesk so I can look.")
    api_client.force_authenticate(agent)
    response = api_client.post(f"/api/v1/tickets/{ticket.reference}/macros/{macro.pk}/apply/")
    assert response.status_code == 400
    assert not Message.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*") if p.suffix in (".txt", ".html")),
    ids=lambda path: path.name,
)
def test_every_email_template_passes_the_outbound_guard(path):
    assert outbound_kinds(path.read_text()) == []


def test_the_ticket_keeps_warning_its_customer_on_later_looks(
    api_client, customer, filed, django_assert_max_num_queries
):
    _response, ticket = filed(body=f"My words: {SEED}")
    api_client.force_authenticate(customer)
    with translation.override("en"):
        response = api_client.get(f"/api/v1/tickets/{ticket.reference}/")
    assert response.data["secret_exposed"] is True
    assert "new wallet" in response.data["secret_warning"]
