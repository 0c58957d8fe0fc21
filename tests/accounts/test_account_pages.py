"""The customer's account (issue 12, item 3): profile, notification e-mail with confirmation,
password change and reset, log out everywhere; each change visible to an admin."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import CustomerProfile
from tests.accounts.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _mail_after_commit(monkeypatch):
    """The outbox hands mail to the worker after commit; tests run in one transaction, so the
    relay runs at once here (the task runs eagerly in the test settings)."""
    from notifications import services

    monkeypatch.setattr(services.transaction, "on_commit", lambda callback, using=None, robust=False: callback())


@pytest.fixture
def logged_in(api_client, alice):
    api_client.force_login(alice)
    return api_client


def link_in(message, pattern: str) -> str:
    return re.search(pattern, message.body).group(0)


def test_account_shows_the_callers_profile(logged_in, alice):
    body = logged_in.get("/api/v1/account/").json()
    assert body["username"] == "alice"
    assert body["anti_phishing_code"] == "CODE-1234"
    assert body["two_factor"] is None


def test_guests_and_anonymous_get_401(api_client, alice):
    assert api_client.get("/api/v1/account/").status_code == 401


def test_customer_sets_the_anti_phishing_code_and_an_admin_sees_it_changed(logged_in, alice):
    response = logged_in.patch("/api/v1/account/", {"anti_phishing_code": "blue  heron 42"}, format="json")
    assert response.status_code == 200
    assert response.json()["anti_phishing_code"] == "blue heron 42"
    entry = LogEntry.objects.get(object_id=str(alice.pk))
    assert "anti_phishing_code" in entry.change_message
    assert "heron" not in entry.change_message


def test_an_anti_phishing_code_with_markup_is_refused(logged_in):
    response = logged_in.patch("/api/v1/account/", {"anti_phishing_code": "<b>x</b>"}, format="json")
    assert response.status_code == 400
    assert response.json()["anti_phishing_code"]


def test_language_and_time_zone_are_saved(logged_in, alice):
    response = logged_in.patch("/api/v1/account/", {"language": "zh-hans", "time_zone": "Asia/Shanghai"}, format="json")
    assert response.status_code == 200
    profile = CustomerProfile.objects.get(user=alice)
    assert (profile.language, profile.time_zone) == ("zh-hans", "Asia/Shanghai")


def test_an_unknown_time_zone_is_refused(logged_in):
    assert logged_in.patch("/api/v1/account/", {"time_zone": "Mars/Base"}, format="json").status_code == 400


def test_email_change_needs_the_password(logged_in):
    response = logged_in.post("/api/v1/account/email/", {"email": "new@example.com", "password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["password"]


def test_email_change_is_confirmed_from_the_new_address_and_the_old_one_is_told(logged_in, alice):
    response = logged_in.post(
        "/api/v1/account/email/", {"email": "new@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 202
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # nothing changes before the link is opened
    confirmation = mail.outbox[-1]
    assert confirmation.to == ["new@example.com"]
    assert confirmation.body.startswith("Your anti-phishing code: CODE-1234")
    url = link_in(confirmation, r"http://\S+/account/email/confirm/\S+/")
    path = url.split("8000", 1)[1]
    page = Client().get(path)
    assert "new@example.com" in page.content.decode()
    assert Client().post(path).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "new@example.com"
    notice = mail.outbox[-1]
    assert notice.to == ["alice@example.com"]
    assert "new@example.com" in notice.body
    # The link dies with the address it was made for.
    assert Client().post(path).status_code == 400


def test_password_change_revokes_tokens_and_keeps_this_session(logged_in, alice):
    Token.objects.create(user=alice)
    response = logged_in.post(
        "/api/v1/account/password/",
        {"old_password": PASSWORD, "new_password": "a much longer new passphrase"},
        format="json",
    )
    assert response.status_code == 200
    assert not Token.objects.filter(user=alice).exists()
    assert logged_in.get("/api/v1/account/").status_code == 200
    assert mail.outbox[-1].subject == "Your password was changed"


def test_password_change_with_a_wrong_current_password_is_refused(logged_in):
    response = logged_in.post(
        "/api/v1/account/password/",
        {"old_password": "nope", "new_password": "a much longer new passphrase"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["old_password"]


def test_log_out_of_all_sessions_ends_every_session_and_token(alice):
    first, second = Client(), Client()
    for client in (first, second):
        client.post("/login/", {"username": "alice", "password": PASSWORD})
    Token.objects.create(user=alice)
    assert first.post("/api/v1/account/sessions/revoke/").status_code == 204
    assert second.get("/api/v1/account/").status_code in (401, 403)
    assert first.get("/api/v1/account/").status_code in (401, 403)
    assert not Token.objects.filter(user=alice).exists()
    assert LogEntry.objects.filter(object_id=str(alice.pk), change_message__contains="all sessions").exists()


def test_password_reset_mails_a_link_that_sets_a_new_password(alice):
    client = Client()
    response = client.post("/password-reset/", {"email": "ALICE@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    message = mail.outbox[-1]
    assert message.to == ["alice@example.com"]
    assert message.body.startswith("Your anti-phishing code: CODE-1234")
    path = link_in(message, r"/reset/\S+/\S+/")
    page = client.get(path, follow=True)
    assert page.context["validlink"]
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase 9", "new_password2": "brand new passphrase 9"},
    )
    assert response["Location"] == "/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password("brand new passphrase 9")
    # Used once: the same link no longer works.
    assert not client.get(path, follow=True).context["validlink"]


def test_password_reset_answers_the_same_for_an_unknown_address(alice):
    known = Client().post("/password-reset/", {"email": "alice@example.com"})
    unknown = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_password_reset_is_limited_per_address_quietly(alice):
    for _attempt in range(5):
        assert (
            Client(REMOTE_ADDR=f"198.51.100.{_attempt}")
            .post("/password-reset/", {"email": "alice@example.com"})
            .status_code
            == 302
        )
    assert len(mail.outbox) == 3  # THROTTLE_ACCOUNT_MAIL_EMAIL: 3/hour


def test_password_reset_is_limited_per_client_ip(db):
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = [client.post("/password-reset/", {"email": f"x{n}@example.com"}).status_code for n in range(11)]
    assert statuses[-1] == 429


def test_reset_pages_are_translated(db):
    response = Client().get("/password-reset/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_the_account_page_is_for_logged_in_customers(client, alice):
    assert client.get("/account/").status_code == 302
    client.force_login(alice)
    assert 'id="phishing-form"' in client.get("/account/").content.decode()


def test_a_customer_without_a_code_is_told_how_to_set_one(alice):
    CustomerProfile.objects.filter(user=alice).update(anti_phishing_code="")
    Client().post("/password-reset/", {"email": "alice@example.com"})
    assert "You have not set an anti-phishing code" in mail.outbox[-1].body
