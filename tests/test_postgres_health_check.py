"""support_desk.postgresql: the production backend's health check reads the connection's state and
socket instead of sending `SELECT 1`, and still sees a connection the server has ended."""

import select

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import load_backend

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the backend is PostgreSQL's",
)


@pytest.fixture
def wrapper(db):
    config = {**connection.settings_dict, "ENGINE": "support_desk.postgresql", "CONN_HEALTH_CHECKS": True}
    other = load_backend(config["ENGINE"]).DatabaseWrapper(config, "health-check")
    other.ensure_connection()
    yield other
    other.close()


def test_an_idle_connection_is_usable_without_a_statement(wrapper, monkeypatch):
    def no_statement(*args, **kwargs):
        raise AssertionError("the health check sent a statement")

    monkeypatch.setattr(wrapper.connection, "cursor", no_statement)
    monkeypatch.setattr(wrapper.connection, "execute", no_statement)

    assert wrapper.is_usable() is True


def test_a_connection_the_server_terminated_is_unusable(wrapper):
    with wrapper.connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    select.select([wrapper.connection.pgconn.socket], [], [], 10)  # the server's FATAL arrives

    assert wrapper.is_usable() is False


def test_a_closed_connection_is_unusable(wrapper):
    wrapper.connection.close()

    assert wrapper.is_usable() is False


def test_a_connection_inside_a_transaction_is_unusable_for_a_new_request(wrapper):
    wrapper.connection.execute("BEGIN")

    assert wrapper.is_usable() is False


def test_django_replaces_a_terminated_connection_before_the_first_query(wrapper):
    old_pid = wrapper.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    select.select([wrapper.connection.pgconn.socket], [], [], 10)
    wrapper.health_check_done = False  # a new request

    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        new_pid = cursor.fetchone()[0]

    assert new_pid != old_pid
