from unittest import mock

from ops.services import heartbeat_record


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
