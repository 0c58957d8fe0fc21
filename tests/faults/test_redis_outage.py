"""Redis stopped: tickets and replies are still filed (nothing lost), throttling keeps limiting from
each process's memory, and the e-mails and webhooks queued meanwhile go out once Redis is back."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from .conftest import free_port, mail_message_ids, wait_until

pytestmark = pytest.mark.slow

CREATE_LIMIT = 6  # per hour; with Redis down each of gunicorn's 2 processes counts its own
WEB_PROCESSES = 2


@pytest.fixture
def desk_env(desk_env):
    return {**desk_env, "THROTTLE_TICKET_CREATE": f"{CREATE_LIMIT}/hour"}


@pytest.fixture
def webhook_receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"id": self.headers.get("X-Desk-Delivery"), **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.received = received
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    yield httpd
    httpd.shutdown()


SETUP = """
from rest_framework.authtoken.models import Token
from notifications.models import WebhookEndpoint
from tests.factories import CategoryFactory, CustomerFactory
customer = CustomerFactory(username="redis-outage-customer")
CategoryFactory(code="redis_outage")
WebhookEndpoint.objects.create(name="outage receiver", url=URL, event_types=["ticket.created"])
result = {"token": Token.objects.get_or_create(user=customer)[0].key}
"""


def test_redis_down_creation_and_replies_succeed_and_mail_goes_out_after(
    private_postgres, private_redis, server, worker, django_run, desk_env, webhook_receiver
):
    token = django_run(f"URL = {webhook_receiver.url!r}\n" + SETUP)["token"]
    headers = {"Authorization": f"Token {token}"}
    worker.start()
    wait_until(lambda: "ready" in worker.log(), 30, "worker ready")
    private_redis.stop()

    created, refused, slowest = [], 0, 0.0
    for n in range(CREATE_LIMIT * WEB_PROCESSES + 2):
        started = time.monotonic()
        response = requests.post(
            f"{server.base_url}/api/v1/tickets/",
            json={"category": "redis_outage", "subject": f"Outage {n}", "body": "Filed while Redis is down"},
            headers=headers,
            timeout=10,
        )
        slowest = max(slowest, time.monotonic() - started)
        if response.status_code == 429:
            refused += 1
            continue
        assert response.status_code == 201, response.text
        created.append(response.json()["reference"])
    # The limit holds in each web process's memory: at most its count per process got through.
    assert CREATE_LIMIT <= len(created) <= CREATE_LIMIT * WEB_PROCESSES and refused >= 2, (len(created), refused)
    for reference in created:
        reply = requests.post(
            f"{server.base_url}/api/v1/tickets/{reference}/messages/",
            json={"body": "Any news?"},
            headers=headers,
            timeout=10,
        )
        assert reply.status_code == 201, reply.text
        slowest = max(slowest, reply.elapsed.total_seconds())
    assert slowest < 5, f"a request took {slowest:.1f} s with Redis down"

    # Nothing lost: every ticket and reply is in the database, with its outbox rows still pending.
    references = tuple(created)
    assert private_postgres.scalar("SELECT count(*) FROM tickets_ticket WHERE reference IN %s", references) == len(
        created
    )
    messages = private_postgres.scalar(
        "SELECT count(*) FROM tickets_message m JOIN tickets_ticket t ON t.id = m.ticket_id WHERE t.reference IN %s",
        references,
    )
    assert messages == 2 * len(created)
    outbox = [
        str(pk)
        for (pk,) in private_postgres.sql(
            "SELECT id FROM notifications_outboxmessage WHERE ticket_reference IN %s", references
        )
    ]
    assert len(outbox) >= len(created)
    mail = Path(desk_env["EMAIL_FILE_PATH"])
    time.sleep(3)  # a drain's period: nothing can go out without the broker
    assert mail_message_ids(mail) == []
    assert webhook_receiver.received == []

    # Redis back (same port): the worker reconnects, the drain hands every row over, each is sent once.
    private_redis.start()
    expected = {f"<{pk}@support-desk>" for pk in outbox}
    wait_until(lambda: expected <= set(mail_message_ids(mail)), 60, "every queued e-mail sent")
    wait_until(lambda: len(webhook_receiver.received) >= len(created), 30, "every queued webhook delivered")
    time.sleep(3)  # one more drain: nothing is sent a second time
    sent = mail_message_ids(mail)
    assert len(sent) == len(set(sent)) == len(expected), (len(sent), len(set(sent)), len(expected))
    hooked = sorted(item["data"]["ticket"]["reference"] for item in webhook_receiver.received)
    assert hooked == sorted(created)
    pending = private_postgres.scalar(
        "SELECT count(*) FROM notifications_outboxmessage WHERE ticket_reference IN %s AND status <> 'sent'",
        references,
    )
    assert pending == 0
    print(f"\n  {len(created)} tickets + replies during the outage, {refused} throttled, slowest {slowest:.2f} s")
