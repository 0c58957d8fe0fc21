from unittest import mock

from ops.services import heartbeat_record
from tests.factories import TicketFactory


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_503_without_a_worker_heartbeat(client, db):
    with mock.patch("ops.views.broker_reachable", return_value=True):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no recent heartbeat"


def test_readyz_is_200_with_database_broker_and_heartbeat(client, db):
    heartbeat_record()
    with mock.patch("ops.views.broker_reachable", return_value=True):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}


def test_readyz_reports_an_unreachable_broker(client, db):
    heartbeat_record()
    with mock.patch("ops.views.broker_reachable", return_value=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unreachable"


def test_metrics_counts_tickets_by_status_in_prometheus_format(client, category):
    TicketFactory.create_batch(2, category=category, status="new")
    response = client.get("/metrics")
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'desk_tickets{status="new",priority="normal"} 2' in response.content.decode()
    assert "desk_open_tickets_unanswered 2" in response.content.decode()


def test_metrics_counts_open_tickets_by_sla_state(client, category):
    TicketFactory(category=category, sla_breached=True)
    TicketFactory(category=category)
    body = client.get("/metrics").content.decode()
    assert 'desk_open_tickets_by_sla_state{state="breached"} 1' in body
    assert 'desk_open_tickets_by_sla_state{state="no_running_clock"} 1' in body
