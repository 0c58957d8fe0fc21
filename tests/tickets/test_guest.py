"""Guest access: a private link to one ticket for someone who cannot log in (issue 8, security 1-3).

The link is a random secret minted by the e-mail worker, carried in the URL fragment, stored as
a hash, expiring and revocable; a guest opens only its ticket's customer endpoints; a guest
ticket joins an account only once its link was used.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import LINK_PLACEHOLDER
from tests.factories import CustomerFactory, TicketFactory
from tickets import guest
from tickets.models import GuestLink, Ticket, TicketEvent

LINK = re.compile(r"/guest/#k=([A-Za-z0-9_-]+)")


def guest_payload(**overrides):
    return {
        "category": "withdrawal_delayed",
        "subject": "BTC withdrawal not received",
        "body": "Sent yesterday",
        "asset": "BTC",
        "network": "bitcoin",
        "amount": "0.5",
        "email": "locked.out@example.com",
        **overrides,
    }


def mailed_secret(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def file_as_guest(api_client, category, django_capture_on_commit_callbacks):
    """File a guest ticket; returns (ticket, the secret from the e-mail it got)."""

    def file(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post("/api/v1/guest/tickets/", guest_payload(**overrides), format="json")
        assert response.status_code == 202, response.content
        return Ticket.objects.order_by("-pk").first(), mailed_secret(mail.outbox[-1])

    return file


def as_guest(client, secret: str):
    client.credentials(HTTP_AUTHORIZATION=f"Guest {secret}")
    return client


def test_guest_link_is_a_random_secret_in_the_url_fragment(file_as_guest):
    ticket, secret = file_as_guest()

    assert "/guest/#k=" in mail.outbox[-1].body
    assert len(secret) >= 43  # 256 bits, base64url
    assert ticket.reference not in secret
    assert guest.guest_link_issue(ticket_id=ticket.pk, email="x@example.com", now=timezone.now()) != secret


def test_guest_secret_is_stored_only_as_its_hash(file_as_guest):
    ticket, secret = file_as_guest()

    link = GuestLink.objects.get(ticket=ticket)
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not GuestLink.objects.filter(secret_hash=secret).exists()


def test_queued_guest_mail_holds_no_secret(file_as_guest):
    ticket, secret = file_as_guest()

    row = OutboxMessage.objects.get(ticket_reference=ticket.reference)
    assert secret not in str(row.payload) and secret not in row.subject
    assert row.payload["context"]["guest_url"] == LINK_PLACEHOLDER  # minted by the sender


def test_guest_link_opens_its_ticket(api_client, file_as_guest):
    ticket, secret = file_as_guest()
    as_guest(api_client, secret)

    assert api_client.get("/api/v1/guest/session/").json() == {"reference": ticket.reference}
    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "More info"}).status_code == 201


def test_guest_link_signed_with_the_published_secret_key_is_a_401(api_client, category, customer):
    # The old scheme: a signature over sequential ids, forgeable by anyone with the default key.
    ticket = TicketFactory(requester=customer, category=category)
    forged = signing.dumps({"t": ticket.pk, "u": customer.pk}, salt="tickets.guest-link", compress=True)

    response = as_guest(api_client, forged).get(f"/api/v1/tickets/{ticket.reference}/")

    assert response.status_code == 401


def test_tampered_guest_secret_is_a_401(api_client, file_as_guest):
    ticket, secret = file_as_guest()
    tampered = secret[:-2] + ("AA" if secret[-2:] != "AA" else "BB")

    response = as_guest(api_client, tampered).get(f"/api/v1/tickets/{ticket.reference}/")

    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_expired_guest_link_is_a_401(api_client, file_as_guest):
    ticket, secret = file_as_guest()
    GuestLink.objects.filter(ticket=ticket).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = as_guest(api_client, secret).get(f"/api/v1/tickets/{ticket.reference}/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_new_link_revokes_the_previous_one(api_client, file_as_guest):
    ticket, first = file_as_guest()
    second = guest.guest_link_issue(ticket_id=ticket.pk, email="locked.out@example.com", now=timezone.now())

    assert as_guest(api_client, first).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 401
    assert as_guest(api_client, second).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200


def test_staff_revocation_closes_every_link(api_client, file_as_guest, lead):
    ticket, secret = file_as_guest()
    api_client.force_authenticate(lead)

    response = api_client.post(f"/api/v1/tickets/{ticket.reference}/guest-links/revoke/")

    assert response.status_code == 200 and response.json() == {"revoked": 1}
    api_client.force_authenticate(None)
    assert as_guest(api_client, secret).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 401
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.GUEST_LINK_REVOKED).exists()


def test_logging_in_revokes_the_customers_guest_links(api_client, category, customer, settings):
    settings.DEMO_PASSWORD = "unused"
    customer.set_password("correct horse battery")
    customer.save()
    ticket = TicketFactory(requester=customer, category=category)
    secret = guest.guest_link_issue(ticket_id=ticket.pk, email=customer.email, now=timezone.now())

    logged_in = Client().post("/login/", {"username": customer.username, "password": "correct horse battery"})

    assert logged_in.status_code == 302
    assert as_guest(api_client, secret).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 401


def test_failed_send_keeps_the_working_link(api_client, file_as_guest, settings):
    ticket, secret = file_as_guest()
    row = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL,
        recipient="locked.out@example.com",
        subject="s",
        payload={
            "text": LINK_PLACEHOLDER,
            "html": "",
            "mint": {"name": guest.MINTER, "ticket_id": ticket.pk, "email": "x@example.com"},
        },
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    settings.EMAIL_BACKEND = "tests.tickets.test_guest.FailingBackend"
    from notifications.services import outbox_deliver

    assert outbox_deliver(message_id=row.pk, now=timezone.now()) is False
    assert as_guest(api_client, secret).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200
    assert GuestLink.objects.filter(ticket=ticket).count() == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


# --- A guest is anonymous everywhere but its ticket -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/queue/"),
        ("get", "/api/v1/tickets/"),
        ("post", "/api/v1/tickets/"),
        ("get", "/api/v1/macros/"),
        ("post", "/api/v1/macros/"),
        ("get", "/api/v1/sla/policies/"),
        ("get", "/api/v1/sla/calendars/"),
        ("get", "/api/v1/sla/escalation-rules/"),
        ("get", "/api/v1/reports/sla/"),
        ("get", "/api/v1/official-contacts/"),
        ("post", "/api/v1/official-contacts/"),
        ("post", "/api/v1/auth/logout/"),
    ],
)
def test_guest_link_answers_as_anonymous_outside_its_ticket(api_client, file_as_guest, method, url):
    _ticket, secret = file_as_guest()

    response = getattr(as_guest(api_client, secret), method)(url, {}, format="json")

    assert response.status_code == 401


def test_guest_of_one_ticket_cannot_see_another(api_client, file_as_guest, category):
    _ticket, secret = file_as_guest()
    other = TicketFactory(category=category)

    assert as_guest(api_client, secret).get(f"/api/v1/tickets/{other.reference}/").status_code == 404


# --- Filing with someone else's address --------------------------------------------------------------


@pytest.fixture
def vip_customer(db):
    vip = CustomerFactory(username="bob", email="bob@example.com")
    vip.customer_profile.tier = "vip"
    vip.customer_profile.save()
    vip.set_password("bob's password 123")
    vip.save()
    return vip


def test_guest_ticket_with_a_customers_address_stays_out_of_their_account(api_client, file_as_guest, vip_customer):
    ticket, _secret = file_as_guest(email="BOB@example.com")

    assert ticket.requester != vip_customer
    assert ticket.priority == "normal"  # the category's default: no VIP raise before proof
    api_client.force_authenticate(vip_customer)
    assert api_client.get("/api/v1/tickets/").json()["results"] == []


def test_guest_ticket_joins_the_account_once_its_link_is_used(api_client, file_as_guest, vip_customer):
    ticket, secret = file_as_guest(email="bob@example.com")

    assert as_guest(api_client, secret).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200

    ticket.refresh_from_db()
    assert ticket.requester == vip_customer
    assert ticket.priority == "high"  # now a VIP's ticket
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.REQUESTER_CHANGED).count() == 1


# --- "My link expired" -----------------------------------------------------------------------------


def test_link_request_is_202_whether_or_not_it_matches(api_client, file_as_guest, django_capture_on_commit_callbacks):
    ticket, _secret = file_as_guest()
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        miss = api_client.post("/api/v1/guest/links/", {"email": "someone@example.com", "reference": ticket.reference})
        hit = api_client.post(
            "/api/v1/guest/links/", {"email": "locked.out@example.com", "reference": ticket.reference}
        )

    assert (miss.status_code, miss.json()) == (hit.status_code, hit.json())
    assert hit.status_code == 202
    assert len(mail.outbox) == sent + 1
    assert as_guest(api_client, mailed_secret(mail.outbox[-1])).get("/api/v1/guest/session/").status_code == 200


def test_link_requests_are_throttled(api_client, file_as_guest):
    from rest_framework.settings import api_settings

    from support_desk.throttling import GuestEmailThrottle

    ticket, _secret = file_as_guest()
    GuestEmailThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "guest_email": "2/hour"}
    try:
        codes = [
            api_client.post(
                "/api/v1/guest/links/", {"email": "x@example.com", "reference": ticket.reference}
            ).status_code
            for _ in range(3)
        ]
    finally:
        GuestEmailThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [202, 202, 429]


def test_guest_requests_are_limited_per_address(api_client, category):
    from rest_framework.settings import api_settings

    from support_desk.throttling import GuestEmailThrottle

    GuestEmailThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "guest_email": "2/hour"}
    try:
        codes = [
            api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json").status_code for _ in range(3)
        ]
    finally:
        GuestEmailThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [202, 202, 429]


def test_guest_answer_is_the_same_for_known_and_unknown_addresses(api_client, category, customer):
    unknown = api_client.post("/api/v1/guest/tickets/", guest_payload(email="nobody@example.com"), format="json")
    known = api_client.post("/api/v1/guest/tickets/", guest_payload(email=customer.email), format="json")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())


def test_guest_bad_email_is_a_400(api_client, category):
    response = api_client.post("/api/v1/guest/tickets/", guest_payload(email="not-an-email"), format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_agent_reply_mail_to_a_guest_carries_a_fresh_working_link(
    api_client, file_as_guest, agent, now, django_capture_on_commit_callbacks
):
    from tickets import services

    ticket, first = file_as_guest()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="We found it", now=now)

    fresh = mailed_secret(mail.outbox[-1])
    assert fresh != first
    assert as_guest(api_client, fresh).get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200
