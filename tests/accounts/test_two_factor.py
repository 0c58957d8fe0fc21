"""Staff two-factor authentication (issue 12, item 7): enrolment, the second step on every login
path (portal /login/, /admin/login/, auth/token/), recovery codes, lockouts, and nobody else
affected (unenrolled staff, customers, the demo)."""

import time

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from accounts.models import Role
from tests.accounts.conftest import PASSWORD
from tests.factories import AgentFactory


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = ["recovery1", "recovery2"]
    for code in codes:
        StaticToken.objects.create(device=static, token=code)
    return device, codes


@pytest.fixture
def staff(db):
    user = AgentFactory(username="ana", role=Role.ADMIN)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def enrolled(staff):
    device, codes = enrol(staff)
    return staff, device, codes


def password_step(client: Client, path: str = "/login/", next_url: str = "/desk/"):
    return client.post(path, {"username": "ana", "password": PASSWORD, "next": next_url})


def test_enrolled_staff_portal_login_asks_for_the_code_before_logging_in(enrolled):
    client = Client()
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/desk/").status_code == 302  # not logged in yet


def test_the_right_code_logs_in_and_goes_to_next(enrolled):
    _user, device, _codes = enrolled
    client = Client()
    password_step(client)
    response = client.post("/login/code/", {"otp_token": current_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_a_wrong_code_does_not_log_in(enrolled):
    client = Client()
    password_step(client)
    response = client.post("/login/code/", {"otp_token": "000000"})
    assert response.status_code == 200
    assert "That code is wrong" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_the_password_step_goes_back_to_login(enrolled):
    response = Client().get("/login/code/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_recovery_code_works_once(enrolled):
    _user, _device, codes = enrolled
    first = Client()
    password_step(first)
    assert first.post("/login/code/", {"otp_token": codes[0]})["Location"] == "/desk/"
    assert LogEntry.objects.filter(change_message__contains="recovery code").exists()
    second = Client()
    password_step(second)
    response = second.post("/login/code/", {"otp_token": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


def test_admin_login_asks_for_the_code_as_a_second_step(enrolled):
    _user, device, _codes = enrolled
    client = Client()
    response = client.post("/admin/login/", {"username": "ana", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/login/code/"
    assert client.get("/admin/").status_code == 302
    page = client.get("/admin/login/code/")
    assert page.status_code == 200 and 'name="otp_token"' in page.content.decode()
    response = client.post("/admin/login/code/", {"otp_token": current_code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_without_two_factor_is_the_admin_form_as_before(staff):
    client = Client()
    assert 'name="username"' in client.get("/admin/login/").content.decode()
    response = client.post("/admin/login/", {"username": "ana", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def token(api_client, **extra):
    return api_client.post("/api/v1/auth/token/", {"username": "ana", "password": PASSWORD, **extra}, format="json")


def test_token_for_enrolled_staff_without_otp_is_a_400_on_otp(api_client, enrolled):
    response = token(api_client)
    assert response.status_code == 400
    assert "two-factor" in response.json()["otp"][0]


def test_token_for_enrolled_staff_with_a_wrong_otp_is_a_400_on_otp(api_client, enrolled):
    response = token(api_client, otp="123456")
    assert response.status_code == 400
    assert response.json()["otp"]


def test_token_for_enrolled_staff_with_the_code_is_issued(api_client, enrolled):
    _user, device, _codes = enrolled
    response = token(api_client, otp=current_code(device))
    assert response.status_code == 200
    assert response.json()["token"]


def test_token_takes_a_recovery_code_once(api_client, enrolled):
    _user, _device, codes = enrolled
    assert token(api_client, otp=codes[1]).status_code == 200
    assert token(api_client, otp=codes[1]).status_code == 400


def test_unenrolled_staff_log_in_with_the_password_alone_everywhere(api_client, staff):
    assert token(api_client).status_code == 200
    client = Client()
    assert password_step(client)["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_customers_are_never_asked_for_a_code(api_client, alice):
    # Even a customer with a device (e.g. made by hand) is not asked: the second step is staff's.
    enrol(alice)
    response = api_client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/tickets/"


def test_a_session_that_skipped_the_second_step_is_ended(enrolled, client):
    user, _device, _codes = enrolled
    client.force_login(user)  # any login path that bypasses the code step
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_api_with_a_session_that_skipped_the_second_step_is_401(enrolled, client):
    user, _device, _codes = enrolled
    client.force_login(user)
    assert client.get("/api/v1/queue/").status_code == 401


def test_wrong_codes_count_as_failed_logins_for_django_axes(enrolled, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    password_step(client)
    statuses = [client.post("/login/code/", {"otp_token": "000000"}).status_code for _attempt in range(3)]
    assert statuses[-1] == 429
    # Locked out now: even the right password is refused for this account from this client.
    assert password_step(Client()).status_code == 429


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once(staff):
    client = Client()
    password_step(client)
    assert client.post("/desk/security/", {"action": "begin"}).status_code == 302
    page = client.get("/desk/security/")
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post("/desk/security/", {"action": "confirm", "code": current_code(device)})
    assert response.status_code == 200
    assert len(response.context["recovery_codes"]) == 10
    assert twofactor.is_enrolled(staff)
    # This session counts as verified and keeps working; the next login needs the code.
    assert client.get("/desk/").status_code == 200
    assert password_step(Client())["Location"] == "/login/code/"
    assert LogEntry.objects.filter(object_id=str(staff.pk), change_message__contains="turned on").exists()


def test_enrolment_ends_the_users_other_sessions(staff):
    other = Client()
    password_step(other)
    assert other.get("/desk/").status_code == 200
    client = Client()
    password_step(client)
    client.post("/desk/security/", {"action": "begin"})
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    client.post("/desk/security/", {"action": "confirm", "code": current_code(device)})
    assert other.get("/desk/").status_code == 302


def test_a_wrong_enrolment_code_leaves_two_factor_off(staff):
    client = Client()
    password_step(client)
    client.post("/desk/security/", {"action": "begin"})
    response = client.post("/desk/security/", {"action": "confirm", "code": "000000"})
    assert response.status_code == 400
    assert not twofactor.is_enrolled(staff)


def test_required_setting_sends_unenrolled_staff_to_the_security_page(staff, settings, api_client):
    settings.STAFF_2FA_REQUIRED = True
    client = Client()
    password_step(client)
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/security/"
    assert client.get("/desk/security/").status_code == 200
    assert token(api_client).status_code == 400


def test_required_setting_leaves_customers_alone(alice, settings):
    settings.STAFF_2FA_REQUIRED = True
    client = Client()
    client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/tickets/").status_code == 200


def test_turning_two_factor_off_needs_a_code(enrolled):
    user, device, _codes = enrolled
    client = Client()
    password_step(client)
    client.post("/login/code/", {"otp_token": current_code(device)})
    assert client.post("/desk/security/", {"action": "disable", "code": "nope"}).status_code == 400
    assert twofactor.is_enrolled(user)
