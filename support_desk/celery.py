import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")

app = Celery("support_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into task headers and task log lines (the handlers connect on import).
from . import request_id as _request_id  # noqa: E402, F401


@signals.task_failure.connect(weak=False)
def _count_task_failure(sender: object = None, **kwargs: object) -> None:
    from .metrics import TASK_FAILURES

    TASK_FAILURES.labels(getattr(sender, "name", None) or "unknown").inc()


# Metric files (support_desk.metrics, multiprocess mode): a worker's PROMETHEUS_MULTIPROC_DIR is its own
# (docker-compose.yml: /metrics/worker), emptied when it starts; a pool process's live files go with it.
@signals.worker_init.connect(weak=False)
def _clear_metric_files(**kwargs: object) -> None:
    from .metrics import clear_dir, multiprocess_dir

    if multiprocess_dir():
        clear_dir(multiprocess_dir())


@signals.worker_process_shutdown.connect(weak=False)
def _metric_files_of_a_dead_process(pid: int | None = None, **kwargs: object) -> None:
    from .metrics import mark_process_dead

    if pid:
        mark_process_dead(pid)


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport needs its folders; any process may be the first to use them."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
