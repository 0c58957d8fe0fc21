"""ops/alerts.yml: a Prometheus rules file whose expressions name only metrics /metrics serves."""

import re
from pathlib import Path

import yaml

ALERTS = Path(__file__).resolve().parents[2] / "ops" / "alerts.yml"
SAMPLE_SUFFIXES = ("_bucket", "_count", "_sum")


def rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def served_families(client) -> set[str]:
    body = client.get("/metrics").content.decode()
    return set(re.findall(r"^# TYPE (\S+) ", body, flags=re.MULTILINE))


def test_every_rule_has_a_name_an_expression_and_a_severity():
    for rule in rules():
        assert rule["alert"] and rule["expr"].strip() and rule["labels"]["severity"] in {"page", "warning"}


def test_the_rules_cover_sweep_lag_outbox_age_server_errors_and_the_worker_heartbeat():
    expressions = {rule["alert"]: rule["expr"] for rule in rules()}
    assert "desk_sla_sweep_lag_seconds) > 60" in expressions["SlaSweepLagging"]
    assert "desk_outbox_oldest_pending_age_seconds) > 300" in expressions["OutboxStuck"]
    assert 'status="5xx"' in expressions["HighServerErrorRate"] and "> 0.01" in expressions["HighServerErrorRate"]
    assert "desk_worker_heartbeat_age_seconds) > 120" in expressions["WorkerHeartbeatMissing"]


def test_every_metric_an_alert_names_is_served_by_metrics(client, db):
    families = served_families(client)
    for rule in rules():
        for name in set(re.findall(r"\bdesk_[a-z0-9_]+", rule["expr"])):
            family = next((name.removesuffix(s) for s in SAMPLE_SUFFIXES if name.endswith(s)), name)
            assert family in families, f"{rule['alert']}: {name} is not served"
