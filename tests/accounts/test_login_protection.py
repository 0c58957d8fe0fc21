"""Logins resist guessing (issue 8, security 4): per account and client by django-axes, per
client by the `auth` throttle on every login form; X-Forwarded-For only counts behind a
configured proxy; limits keep working when Redis is down."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.settings import api_settings

from support_desk import throttling
from support_desk.throttling import AuthThrottle, ResilientStore
from tests.accounts.conftest import PASSWORD


@pytest.fixture
def auth_rate():
    """Set the per-client login rate for one test."""

    def set_rate(rate: str) -> None:
        AuthThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": rate}

    yield set_rate
    AuthThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def token(client, password, ip="203.0.113.7", **headers):
    return client.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers,
    )


def portal_login(password, ip="203.0.113.7", path="/login/"):
    return Client(REMOTE_ADDR=ip).post(path, {"username": "alice", "password": password})


def test_a_new_forwarded_for_header_does_not_reset_the_limit(client, alice, auth_rate):
    auth_rate("3/minute")

    codes = [token(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]

    assert codes == [400, 400, 400, 429]


def test_forwarded_for_counts_behind_a_configured_proxy(client, alice, auth_rate, settings):
    settings.NUM_PROXIES = 1
    auth_rate("1/minute")

    first = token(client, "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    other_client = token(client, "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first.status_code, other_client.status_code) == (400, 400)


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client, alice, auth_rate, settings):
    settings.NUM_PROXIES = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    auth_rate("1/minute")

    first = token(client, "wrong", ip="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    spoofed = token(client, "wrong", ip="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first.status_code, spoofed.status_code) == (400, 429)


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_web_login_forms_are_limited_per_client(alice, auth_rate, path):
    auth_rate("2/minute")

    codes = [portal_login("wrong", path=path).status_code for _ in range(3)]

    assert codes[:2] == [200, 200]
    assert codes[2] == 429


def test_web_login_limit_answers_with_retry_after_and_a_clear_page(alice, auth_rate):
    auth_rate("1/minute")
    portal_login("wrong")

    response = portal_login("wrong")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many login attempts" in response.content.decode()


def test_guessing_one_account_locks_it_for_that_client(alice, settings):
    # The failure that reaches the limit is already answered with the lock.
    codes = [portal_login("wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    locked = portal_login(PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def test_an_attacker_cannot_lock_the_real_user_out(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        portal_login("wrong", ip="198.51.100.66")

    assert portal_login(PASSWORD, ip="203.0.113.7").status_code == 302


def test_the_lock_ends_after_the_cool_off(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        portal_login("wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    assert portal_login(PASSWORD).status_code == 302


def test_token_endpoint_lockout_is_a_json_429(client, alice, settings):
    codes = [token(client, "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert codes == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    response = token(client, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert int(response["Retry-After"]) > 0


def test_admin_login_counts_towards_the_same_lock(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        portal_login("wrong", path="/admin/login/")

    assert portal_login(PASSWORD).status_code == 429


class BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    set = get


def test_throttles_keep_limiting_when_redis_is_down(client, alice, auth_rate, monkeypatch):
    broken = ResilientStore()
    monkeypatch.setattr(broken, "_shared", lambda: BrokenCache())
    monkeypatch.setattr(AuthThrottle, "cache", broken)
    auth_rate("2/minute")

    codes = [token(client, "wrong").status_code for _ in range(3)]

    assert codes == [400, 400, 429]
    assert broken.degraded


def test_readyz_says_when_throttling_runs_without_redis(db, client, monkeypatch, settings):
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "x"}}
    monkeypatch.setattr(throttling.store, "failed_at", 1.0)

    body = client.get("/readyz").json()

    assert body["throttling"] == "local memory (Redis unavailable)"
