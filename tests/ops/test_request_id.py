"""Request ids (support_desk.request_id): on the response, in the log lines, into Celery tasks' headers."""

import io
import json
import logging
import re

import pytest
from celery import signals

from support_desk.log_format import GunicornAccessFields, logging_config
from support_desk.request_id import RequestIdFilter, request_id_var

TRUSTED = {"NUM_PROXIES": 1, "TRUSTED_PROXIES": ["127.0.0.1"]}


def test_a_response_carries_a_new_request_id(client):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz")["X-Request-ID"])


def test_a_clients_own_request_id_is_not_believed_without_a_trusted_proxy(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-client")["X-Request-ID"] != "chosen-by-client"


def test_a_trusted_proxys_request_id_is_kept(client, settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = TRUSTED["NUM_PROXIES"], TRUSTED["TRUSTED_PROXIES"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a")["X-Request-ID"] == "lb-4f2a"


def test_a_malformed_request_id_from_a_proxy_is_replaced(client, settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = TRUSTED["NUM_PROXIES"], TRUSTED["TRUSTED_PROXIES"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nINFO forged")["X-Request-ID"] != "bad id\nINFO forged"


def test_publishing_a_task_puts_the_request_id_in_its_headers():
    headers = {}
    token = request_id_var.set("req-123")
    try:
        signals.before_task_publish.send(sender="ops.heartbeat", body=(), headers=headers, exchange="", routing_key="")
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "req-123"


class _TaskRequest:
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


class _Task:
    name = "ops.heartbeat"

    def __init__(self, request):
        self.request = request


def test_a_task_runs_under_the_request_id_its_message_carried():
    task = _Task(_TaskRequest(id="t-1", request_id="req-456", headers=None))
    signals.task_prerun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={})
    try:
        assert request_id_var.get() == "req-456"
    finally:
        signals.task_postrun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={}, retval=None, state="")
    assert request_id_var.get() is None


def test_a_task_without_a_request_gets_an_id_of_its_own():
    task = _Task(_TaskRequest(id="t-2", headers={}))
    signals.task_prerun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={})
    try:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id_var.get())
    finally:
        signals.task_postrun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={}, retval=None, state="")


def _json_logger() -> tuple[logging.Logger, io.StringIO]:
    config = logging_config(log_format="json", level="INFO")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_config = dict(config["formatters"]["json"])
    factory = formatter_config.pop("()")
    module, _, name = factory.rpartition(".")
    handler.setFormatter(getattr(__import__(module, fromlist=[name]), name)(**formatter_config))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.ops.json")
    logger.handlers, logger.propagate = [handler], False
    # Whatever earlier tests left: a dictConfig with disable_existing_loggers, a level, logging.disable.
    logger.disabled = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


@pytest.fixture(autouse=True)
def _logging_enabled():
    previous = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    yield
    logging.disable(previous)


def test_a_json_log_line_carries_the_request_id():
    logger, stream = _json_logger()
    token = request_id_var.set("req-789")
    try:
        logger.warning("ticket %s claimed", "TK-1")
    finally:
        request_id_var.reset(token)

    line = json.loads(stream.getvalue())
    assert (line["message"], line["request_id"], line["level"]) == ("ticket TK-1 claimed", "req-789", "WARNING")


def test_a_log_line_outside_a_request_says_so():
    logger, stream = _json_logger()
    logger.info("beat")
    assert json.loads(stream.getvalue())["request_id"] == "-"


def test_a_gunicorn_access_line_gets_its_request_id_as_a_field():
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(s)s", None, None)
    record.args = {"{x-request-id}o": "req-1", "s": "200", "m": "GET", "U": "/healthz", "M": 3}
    GunicornAccessFields().filter(record)
    assert (record.request_id, record.status, record.path) == ("req-1", "200", "/healthz")
