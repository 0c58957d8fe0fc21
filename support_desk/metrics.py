"""The desk's Prometheus metrics that processes record as they work (prometheus-client).

Counters and histograms recorded here live in the process that records them: a gunicorn worker
(request latency), a Celery worker (sweep duration, task failures, e-mails sent). With
`PROMETHEUS_MULTIPROC_DIR` set every process writes its values to a file in that folder (it must be
in the environment before prometheus_client is first imported; one folder per server: gunicorn.conf.py
defaults to var/prometheus/web, a Celery worker gets var/prometheus/worker), and /metrics adds up the
files of every folder in METRICS_MULTIPROC_DIRS (default: its own). Without it (runserver, tests)
/metrics shows the serving process's own values only.

Figures read from the database at scrape time (tickets, SLA clocks, the outbox) are ops.metrics'
collector; this module imports no app, so any layer may record a metric.
"""

import glob
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# Seconds; an API call is tens of milliseconds, a slow report a few seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request no route matched (a 404 before any view, a refusal by a middleware): one label value,
# so that scanners trying random paths cannot grow the number of series.
UNMATCHED_VIEW = "<unmatched>"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


# No `_created` series beside every counter and histogram: Prometheus does not need them.
disable_created_metrics()

if multiprocess_dir():
    # Metrics without labels open their file as they are defined, just below.
    Path(multiprocess_dir()).mkdir(parents=True, exist_ok=True)

REQUEST_LATENCY = Histogram(
    "desk_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name, method and status class.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
SWEEP_DURATION = Histogram(
    "desk_sla_sweep_duration_seconds",
    "Duration of one SLA sweep run (all its batches).",
    buckets=SWEEP_BUCKETS,
)
TASK_FAILURES = Counter(
    "desk_celery_task_failures",
    "Celery tasks that raised (after their own retries gave up or for an unexpected error), by task name.",
    ["task"],
)
EMAILS_SENT = Counter("desk_emails_sent", "E-mails the outbox handed to the mail server.")
EMAIL_FAILURES = Counter("desk_email_send_failures", "Outbox e-mail attempts that failed (retried with backoff).")


def scrape_dirs() -> list[str]:
    """The folders whose metric files a scrape adds up: METRICS_MULTIPROC_DIRS (comma-separated), else
    this process's own folder, else none (single-process mode)."""
    listed = [part.strip() for part in os.environ.get("METRICS_MULTIPROC_DIRS", "").split(",") if part.strip()]
    own = multiprocess_dir()
    return listed or ([own] if own else [])


def clear_dir(path: str) -> None:
    """A server's start: the files of its earlier processes go (their pids are gone, and would only
    grow the folder); counters restart from zero, which Prometheus' rate() expects. The calling
    process's own files (metrics created at import) stay."""
    own = f"_{os.getpid()}.db"
    for file in Path(path).glob("*.db"):
        if not file.name.endswith(own):
            file.unlink(missing_ok=True)


def mark_process_dead(pid: int) -> None:
    path = multiprocess_dir()
    if path:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, path)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_VIEW
    # The route's name (namespaced), else the view's dotted path: both bounded by the URLconf.
    return match.view_name or match._func_path


class RequestLatencyMiddleware:
    """Observes every response's duration in REQUEST_LATENCY; first in MIDDLEWARE so refusals count."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUEST_LATENCY.labels(view_label(request), method, status_class(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


class _FolderMetrics:
    """The metric files of several processes' folders, merged (prometheus_client's multiprocess mode)."""

    def __init__(self, folders: list[str]) -> None:
        self.folders = folders

    def collect(self):
        files = sorted({file for folder in self.folders for file in glob.glob(os.path.join(folder, "*.db"))})
        return MultiProcessCollector.merge(files, accumulate=True)


class _ProcessMetrics:
    """This process's own registry (single-process mode), as one collector of a scrape's registry."""

    def collect(self):
        yield from REGISTRY.collect()


def exposition(accept_header: str, collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type (Prometheus text 0.0.4 unless the scraper asks for
    OpenMetrics): the recorded metrics of every process (multiprocess mode) or of this one, plus the
    given collectors, evaluated now."""
    registry = CollectorRegistry()
    folders = scrape_dirs()
    if folders:
        registry.register(_FolderMetrics(folders))
    else:
        registry.register(_ProcessMetrics())
    for collector in collectors:
        registry.register(collector)
    encoder, content_type = choose_encoder(accept_header or "")
    return encoder(registry), content_type
