"""One id per request, on every log line it causes: in the web process and in the Celery tasks it queues.

- The web: `X-Request-ID` from the request when a trusted proxy sent it (support_desk.client_ip's
  NUM_PROXIES / TRUSTED_PROXIES; a client cannot choose the id otherwise), else a new one; set on
  the response's `X-Request-ID` (gunicorn's access log prints it) and held in a contextvar.
- Celery: `before_task_publish` copies the current id into the task message's headers;
  `task_prerun` makes it the task's id (a task queued by beat, or by nobody's request, gets a fresh
  one, so its lines still belong together) and `task_postrun` restores what was there before.
- Logging: RequestIdFilter puts `request_id` (and in a task `task_id`, `task_name`) on each record,
  for the JSON formatter and the text format alike (LOGGING in settings.base).
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token

from celery import current_task, signals
from django.http import HttpRequest, HttpResponse

from .client_ip import from_trusted_proxy

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "request_id"
# What a proxy may hand over: ids of its own format (a UUID, a hex trace id), never a log injection.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
NO_REQUEST = "-"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


def incoming_request_id(request: HttpRequest) -> str:
    offered = request.META.get(META_KEY, "")
    if offered and ACCEPTED.match(offered) and from_trusted_proxy(request):
        return offered
    return new_request_id()


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later middleware's and view's log line carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or NO_REQUEST
        task = _current_task()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id = task.request.id
            record.task_name = task.name
        return True


def _current_task():
    # current_task is a proxy; outside a task it is None (falsy), inside a task the task.
    return current_task if current_task and getattr(current_task.request, "id", None) else None


# --- Celery ----------------------------------------------------------------------------------------
_task_tokens: dict[str, Token] = {}


@signals.before_task_publish.connect(weak=False)
def add_request_id_header(headers: dict | None = None, **kwargs: object) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def task_request_id(task_request: object) -> str | None:
    """The id a task's message carried: a worker puts message headers on the request as attributes,
    an eager call keeps them in `headers`."""
    value = getattr(task_request, TASK_HEADER, None)
    if value:
        return str(value)
    headers = getattr(task_request, "headers", None) or {}
    value = headers.get(TASK_HEADER) if isinstance(headers, dict) else None
    return str(value) if value else None


@signals.task_prerun.connect(weak=False)
def bind_task_request_id(task_id: str | None = None, task: object = None, **kwargs: object) -> None:
    request_id = task_request_id(getattr(task, "request", None)) or request_id_var.get() or new_request_id()
    if task_id:
        _task_tokens[task_id] = request_id_var.set(request_id)


@signals.task_postrun.connect(weak=False)
def unbind_task_request_id(task_id: str | None = None, **kwargs: object) -> None:
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (a thread pool): leave the value to it
            request_id_var.set(None)
