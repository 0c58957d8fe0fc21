"""gunicorn's settings for the desk's web process: `gunicorn -c gunicorn.conf.py support_desk.wsgi`
(the Dockerfile's command, docker-compose.yml's web service, `make serve`).

Every value can be changed from the environment without editing this file:
  GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers; 2 per core + 1), GUNICORN_THREADS (4),
  GUNICORN_TIMEOUT (30 s: a worker silent that long is killed and replaced), GUNICORN_GRACEFUL_TIMEOUT
  (30 s to finish requests on a restart), GUNICORN_KEEPALIVE (5 s; keep it below the load balancer's
  idle timeout), FORWARDED_ALLOW_IPS, LOG_FORMAT (json) and LOG_LEVEL as the app's,
  PROMETHEUS_MULTIPROC_DIR (var/prometheus/web: the workers' metric files, which /metrics adds up).
"""

import multiprocessing
import os
from pathlib import Path

# Before prometheus_client is imported anywhere (the import below loads the app's package, whose
# Celery app may import it): it chooses its multiprocess mode at import time.
METRICS_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(__file__).resolve().parent / "var" / "prometheus" / "web")
)
Path(METRICS_DIR).mkdir(parents=True, exist_ok=True)

from support_desk.log_format import gunicorn_logconfig  # noqa: E402


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# gthread: each worker serves GUNICORN_THREADS requests at once (most of a request is waiting on PostgreSQL).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are not recycled by request count: each would leave its metric files behind until a restart.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# The workers' heartbeat files on tmpfs, not on a container's overlay filesystem, which may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django reads X-Forwarded-* itself (NUM_PROXIES, TRUSTED_PROXIES, SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The response's X-Request-ID (support_desk.request_id) links an access line to the app's own lines;
# with LOG_FORMAT=json the line is a JSON object with request_id, status, method, path, duration_ms.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
logconfig_dict = gunicorn_logconfig(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO").upper()
)


def on_starting(server) -> None:
    from support_desk.metrics import clear_dir

    clear_dir(METRICS_DIR)


def child_exit(server, worker) -> None:
    from support_desk.metrics import mark_process_dead

    mark_process_dead(worker.pid)
