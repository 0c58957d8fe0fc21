"""API tokens (issue 8, security 6): a lifetime, logout, revocation on password change."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import CustomerProfile
from accounts.roles import Role, role_of
from accounts.tokens import ExpiringTokenAuthentication
from tests.accounts.conftest import PASSWORD


def obtain(api_client) -> str:
    response = api_client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_logout_revokes_the_callers_token(api_client, alice):
    key = obtain(api_client)

    assert with_token(api_client, key).post("/api/v1/auth/logout/").status_code == 204
    assert with_token(api_client, key).get("/api/v1/tickets/").status_code == 401


def test_logout_needs_a_login(api_client):
    assert api_client.post("/api/v1/auth/logout/").status_code == 401


def test_changing_the_password_revokes_every_token(api_client, alice):
    key = obtain(api_client)

    alice.set_password("a brand new passphrase")
    alice.save()

    assert with_token(api_client, key).get("/api/v1/tickets/").status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(api_client, alice):
    key = obtain(api_client)

    alice.first_name = "Alice"
    alice.save()

    assert with_token(api_client, key).get("/api/v1/tickets/").status_code == 200


def test_token_expires_after_its_lifetime(api_client, alice, settings):
    key = obtain(api_client)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS))

    response = with_token(api_client, key).get("/api/v1/tickets/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_an_expired_token_is_replaced_at_the_next_login(api_client, alice, settings):
    key = obtain(api_client)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS + 1))

    fresh = obtain(api_client)

    assert fresh != key
    assert with_token(api_client, fresh).get("/api/v1/tickets/").status_code == 200


def test_the_token_lookup_loads_a_customer_with_profile_and_no_role_in_one_statement(
    customer, django_assert_num_queries
):

    key = Token.objects.create(user=customer).key
    with django_assert_num_queries(1):
        user, token = ExpiringTokenAuthentication().authenticate_credentials(key)
        assert role_of(user) == Role.CUSTOMER
        assert user.customer_profile.pk == customer.customer_profile.pk

    assert (user.pk, token.key, token.created) == (customer.pk, key, Token.objects.get(key=key).created)


def test_the_token_lookup_gives_the_highest_role_and_no_profile_for_staff(admin_user):

    CustomerProfile.objects.filter(user=admin_user).delete()
    key = Token.objects.create(user=admin_user).key
    user, _token = ExpiringTokenAuthentication().authenticate_credentials(key)

    assert role_of(user) == Role.ADMIN
    with pytest.raises(CustomerProfile.DoesNotExist):
        _ = user.customer_profile


def test_an_unknown_token_is_refused(db):

    with pytest.raises(AuthenticationFailed):
        ExpiringTokenAuthentication().authenticate_credentials("0" * 40)


@pytest.mark.skipif(
    __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a second thread's own connection to a committed row needs PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_a_token_compiled_in_one_thread_is_looked_up_in_another_with_that_threads_connection(alice, monkeypatch):
    """gthread workers: the statement is compiled once per process; each thread runs it (and its
    converters) on its own connection."""
    import threading

    from django.db import connections

    from accounts import tokens

    monkeypatch.setattr(tokens._TOKEN_BY_KEY, "_compiled", {})
    lookup = tokens._token_lookup
    token = Token.objects.create(user=alice)
    assert lookup(token.key).user == alice  # compiled here
    found = {}

    def other_thread():
        try:
            found["token"] = lookup(token.key)
            found["connection"] = connections["default"]
        finally:
            connections["default"].close()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(timeout=30)
    assert found["token"].user == alice and found["token"].created == token.created
    assert found["connection"] is not connections["default"]
