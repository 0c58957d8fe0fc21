"""The database unreachable while a request runs (PostgreSQL restarting, failing over): a 503 with
Retry-After, never a 500 page. The real restart under load is test_postgres_restart (slow)."""

import pytest
from django.db import OperationalError
from django.test import Client

from tickets.api.views.ticket_viewset import TicketViewSet


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
def test_api_request_while_the_database_is_unreachable_is_a_503_with_retry_after(customer, monkeypatch):
    monkeypatch.setattr(TicketViewSet, "list", _down)
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
def test_other_server_errors_stay_500(customer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(TicketViewSet, "list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(customer)
    assert client.get("/api/v1/tickets/").status_code == 500
