"""GET /metrics (issue 14, item 4): prometheus-client exposition, bounded database reads, protection."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import OutboxMessage
from notifications.services import outbox_deliver
from ops.metrics import DeskCollector
from ops.services import ticket_counts_take
from sla.models import SlaClock
from support_desk.celery import app as celery_app
from support_desk.metrics import REQUEST_LATENCY, TASK_FAILURES, exposition
from tests.factories import TicketFactory

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    return {family.name: family.samples for family in text_string_to_metric_families(response.content.decode())}


def value(families: dict, name: str, **labels) -> float:
    samples = [sample for family in families.values() for sample in family if sample.name == name]
    matching = [sample.value for sample in samples if all(sample.labels.get(k) == v for k, v in labels.items())]
    assert matching, f"no sample {name}{labels}"
    return sum(matching)


def test_metrics_answers_in_the_prometheus_text_format(client, db):
    response = client.get("/metrics")
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


def test_metrics_reports_open_tickets_by_status_and_sla_state_from_the_last_count(client, category):
    now = timezone.now()
    TicketFactory.create_batch(2, category=category, status="new")
    TicketFactory(category=category, status="open", sla_breached=True, first_response_at=now)
    ticket_counts_take(now=now)

    families = scrape(client)

    assert value(families, "desk_tickets", status="new", priority="normal") == 2
    assert value(families, "desk_open_tickets_by_sla_state", state="breached") == 1
    assert value(families, "desk_open_tickets_by_sla_state", state="no_running_clock") == 2
    assert value(families, "desk_open_tickets_unanswered") == 2


def test_ticket_count_leaves_out_solved_and_closed_tickets(client, category):
    TicketFactory(category=category, status="solved")
    TicketFactory(category=category, status="closed")
    ticket_counts_take(now=timezone.now())

    assert sum(sample.value for sample in scrape(client)["desk_tickets"]) == 0


def test_tickets_filed_after_the_count_wait_for_the_next_one(client, category):
    ticket_counts_take(now=timezone.now() - timedelta(seconds=30))
    TicketFactory(category=category, status="new")

    families = scrape(client)

    assert sum(sample.value for sample in families["desk_tickets"]) == 0
    assert value(families, "desk_ticket_count_age_seconds") >= 30


def test_a_scrape_before_the_first_count_counts_the_tickets_itself(client, category):
    TicketFactory.create_batch(3, category=category)
    families = scrape(client)
    assert value(families, "desk_ticket_count_age_seconds") < 60
    assert value(families, "desk_open_tickets_by_sla_state") == 3


def test_a_scrape_reads_a_fixed_number_of_rows_whatever_the_tickets(category, django_assert_max_num_queries):
    TicketFactory.create_batch(20, category=category)
    ticket_counts_take(now=timezone.now())
    # The stored count, the sweep's oldest clock and due count, the outbox's count and oldest row, the
    # heartbeat (cache miss: its row).
    with django_assert_max_num_queries(6):
        list(DeskCollector().collect())


def test_sweep_lag_is_how_long_the_oldest_due_clock_has_waited(client, category):
    now = timezone.now()
    for next_check_at in (now - timedelta(seconds=90), now - timedelta(seconds=10), now + timedelta(minutes=5)):
        SlaClock.objects.create(
            ticket=TicketFactory(category=category),
            metric="first_response",
            target_seconds=3600,
            started_at=now,
            next_check_at=next_check_at,
        )

    families = scrape(client)

    assert 90 <= value(families, "desk_sla_sweep_lag_seconds") < 120
    assert value(families, "desk_sla_clocks_due") == 2


def test_sweep_lag_is_zero_when_no_clock_is_due(client, db):
    assert value(scrape(client), "desk_sla_sweep_lag_seconds") == 0


def test_outbox_depth_and_the_oldest_due_rows_wait(client, db):
    now = timezone.now()
    for created, status in ((now - timedelta(minutes=7), "pending"), (now, "pending"), (now, "sent")):
        OutboxMessage.objects.create(
            kind="email", status=status, recipient="a@example.com", created_at=created, next_attempt_at=created
        )

    families = scrape(client)

    assert value(families, "desk_outbox_pending") == 2
    assert 420 <= value(families, "desk_outbox_oldest_pending_age_seconds") < 480


def test_request_latency_histogram_records_the_route_name_method_and_status_class(client, db):
    before = REQUEST_LATENCY.labels("healthz", "GET", "2xx")._sum.get()
    client.get("/healthz")

    families = scrape(client)

    assert value(families, "desk_http_request_duration_seconds_count", view="healthz", method="GET", status="2xx") >= 1
    assert REQUEST_LATENCY.labels("healthz", "GET", "2xx")._sum.get() > before


def test_paths_no_route_matches_share_one_view_label(client, db):
    client.get("/no-such-page-1/")
    client.get("/no-such-page-2/")

    families = scrape(client)

    views = {sample.labels["view"] for sample in families["desk_http_request_duration_seconds"]}
    assert "<unmatched>" in views
    assert not any("no-such-page" in view for view in views)


def test_a_failed_task_is_counted_by_its_name(client, db):
    @celery_app.task(name="tests.ops.always_fails")
    def always_fails():
        raise RuntimeError("boom")

    # As a worker runs it: the failure is recorded, not raised (an eager test call would re-raise first).
    result = always_fails.apply(throw=False)

    assert isinstance(result.result, RuntimeError)

    assert value(scrape(client), "desk_celery_task_failures_total", task="tests.ops.always_fails") >= 1
    assert TASK_FAILURES.labels("tests.ops.always_fails")._value.get() >= 1


def test_an_email_the_outbox_sends_is_counted(client, db, mailoutbox):
    before = value(scrape(client), "desk_emails_sent_total")
    now = timezone.now()
    row = OutboxMessage.objects.create(
        kind="email",
        recipient="a@example.com",
        subject="Hi",
        payload={"text": "Hello"},
        created_at=now,
        next_attempt_at=now,
    )

    assert outbox_deliver(message_id=row.pk, now=now)
    assert value(scrape(client), "desk_emails_sent_total") == before + 1


def test_the_sweep_task_records_its_duration(client, db):
    from sla.tasks import sla_sweep_task

    before = value(scrape(client), "desk_sla_sweep_duration_seconds_count")
    sla_sweep_task.delay()

    assert value(scrape(client), "desk_sla_sweep_duration_seconds_count") == before + 1


def test_a_scrape_adds_up_the_metric_files_of_other_processes(tmp_path, monkeypatch, db):
    # Another process (a Celery worker) in multiprocess mode, writing its files in its own folder.
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    code = "from support_desk.metrics import EMAILS_SENT; EMAILS_SENT.inc(3)"
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(worker_dir),
        "DJANGO_SETTINGS_MODULE": "support_desk.settings.test",
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    monkeypatch.setenv("METRICS_MULTIPROC_DIRS", str(worker_dir))

    body, _ = exposition("", [DeskCollector()])

    assert "desk_emails_sent_total 3.0" in body.decode()
    assert "desk_sla_sweep_lag_seconds" in body.decode()


# --- Protection ---------------------------------------------------------------------------------------
@pytest.fixture
def closed_metrics(settings):
    settings.METRICS_PUBLIC = False
    settings.METRICS_TOKEN = "a-scrape-token-of-enough-length-0123"
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def test_protected_metrics_ask_for_a_bearer_token(client, db, closed_metrics):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_protected_metrics_refuse_a_wrong_token(client, db, closed_metrics):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_protected_metrics_answer_the_right_token(client, db, closed_metrics):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-scrape-token-of-enough-length-0123")
    assert response.status_code == 200


def test_protected_metrics_answer_an_allowed_network_without_a_token(client, db, closed_metrics):
    closed_metrics.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_metrics_without_token_or_network_are_forbidden_to_all(client, db, closed_metrics):
    closed_metrics.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403


def test_production_settings_close_metrics_and_log_json():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "support_desk.settings.production",
        "SECRET_KEY": "a-private-random-key-" + "x9" * 20,
        "ALLOWED_HOSTS": "desk.example",
    }
    env.pop("METRICS_PUBLIC", None)
    env.pop("LOG_FORMAT", None)
    code = "from django.conf import settings as s; print(s.METRICS_PUBLIC, s.LOG_FORMAT)"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "json"]
