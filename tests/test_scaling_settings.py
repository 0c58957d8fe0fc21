"""The switches that scale the desk out on the same engines, read from the environment (issue 14
item 5): a read replica for the reports (REPORTS_DATABASE_URL) and Redis Sentinel (REDIS_SENTINELS,
REDIS_SENTINEL_MASTER). Each is off when its variables are empty. The settings are loaded in a
process of their own, as a deployment would; nothing connects (no replica, no sentinel needed)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DUMP = """
import json
import django
from django.conf import settings
django.setup()
from django_redis.pool import get_connection_factory
from django.core.cache import caches
from support_desk.celery import app
broker = app.connection_for_write()
print(json.dumps({
    "databases": settings.DATABASES,
    "routers": settings.DATABASE_ROUTERS,
    "caches": settings.CACHES,
    "cache_client": type(getattr(caches["default"], "client", None)).__name__,
    "cache_factory": type(get_connection_factory(options=dict(settings.CACHES["default"]["OPTIONS"]))).__name__
    if "django_redis" in settings.CACHES["default"]["BACKEND"] else None,
    "cache_reads_master": getattr(caches["default"].client.get_client(write=False).connection_pool, "is_master", None)
    if "django_redis" in settings.CACHES["default"]["BACKEND"] else None,
    "broker_url": app.conf.broker_url,
    "broker_transport": broker.transport_cls,
    "broker_transport_options": app.conf.broker_transport_options,
    "result_backend_transport_options": app.conf.result_backend_transport_options,
}, default=str))
"""


def load_settings(module: str = "support_desk.settings.production", **variables: str) -> dict:
    cleared = {"REPORTS_DATABASE_URL", "REDIS_URL", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_PASSWORD"}
    env = {key: value for key, value in os.environ.items() if key not in cleared | {"REDIS_SENTINEL_PASSWORD"}}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="a-private-random-key-" + "x9" * 20,
        ALLOWED_HOSTS="desk.example",
        DATABASE_URL="postgres://desk@primary.example/desk",
        **variables,
    )
    result = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_replica_and_no_router_by_default():
    loaded = load_settings()

    assert list(loaded["databases"]) == ["default"]
    assert loaded["routers"] == []


def test_reports_database_url_adds_the_reports_alias_with_the_primarys_connection_options():
    loaded = load_settings(REPORTS_DATABASE_URL="postgres://reader@replica.example:5433/desk")
    reports = loaded["databases"]["reports"]

    assert (reports["HOST"], reports["PORT"], reports["USER"]) == ("replica.example", 5433, "reader")
    assert reports["CONN_MAX_AGE"] == loaded["databases"]["default"]["CONN_MAX_AGE"] == 60
    assert reports["CONN_HEALTH_CHECKS"] is True
    assert reports["OPTIONS"]["connect_timeout"] == 2
    assert reports["TEST"]["MIRROR"] == "default"
    assert loaded["routers"] == ["support_desk.db_routers.ReportsReplicaRouter"]


def test_redis_url_without_sentinels_is_used_as_before():
    loaded = load_settings(REDIS_URL="redis://cache.example:6379/3")

    assert loaded["caches"]["default"]["LOCATION"] == "redis://cache.example:6379/3"
    assert loaded["cache_client"] == "DefaultClient"
    assert loaded["broker_url"] == "redis://cache.example:6379/3"
    assert "master_name" not in loaded["broker_transport_options"]


SENTINELS = {
    "REDIS_SENTINELS": "sentinel-a.example:26379,sentinel-b.example:26380",
    "REDIS_SENTINEL_MASTER": "desk-master",
    "REDIS_SENTINEL_PASSWORD": "sentinel-secret",
    "REDIS_URL": "redis://ignored.example:6379/0",
}


def test_sentinels_give_the_caches_django_redis_sentinel_client():
    loaded = load_settings(**SENTINELS)

    for name in ("default", "throttle"):
        cache = loaded["caches"][name]
        assert cache["LOCATION"] == ["redis://desk-master/0"]  # one server: reads on the master too
        assert cache["OPTIONS"]["CLIENT_CLASS"] == "django_redis.client.SentinelClient"
        assert cache["OPTIONS"]["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
        assert cache["OPTIONS"]["SENTINELS"] == [["sentinel-a.example", 26379], ["sentinel-b.example", 26380]]
        assert cache["OPTIONS"]["SENTINEL_KWARGS"] == {"password": "sentinel-secret"}
    assert loaded["cache_client"] == "SentinelClient"
    assert loaded["cache_factory"] == "SentinelConnectionFactory"
    assert loaded["cache_reads_master"] is True


def test_sentinels_give_celery_a_sentinel_broker_with_the_master_name():
    loaded = load_settings(**SENTINELS)

    assert loaded["broker_url"] == "sentinel://sentinel-a.example:26379/0;sentinel://sentinel-b.example:26380/0"
    assert loaded["broker_transport"] == "sentinel"
    assert loaded["broker_transport_options"]["master_name"] == "desk-master"
    assert loaded["broker_transport_options"]["sentinel_kwargs"] == {"password": "sentinel-secret"}
    assert loaded["result_backend_transport_options"]["master_name"] == "desk-master"


def test_sentinels_without_a_master_name_are_refused():
    env = {key: value for key, value in os.environ.items() if key != "REDIS_SENTINEL_MASTER"}
    env.update(DJANGO_SETTINGS_MODULE="support_desk.settings.test", REDIS_SENTINELS="sentinel-a.example:26379")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "REDIS_SENTINEL_MASTER" in result.stderr
