"""Writes at the same moment through a real server (gunicorn: 2 processes x 4 threads).

On the embedded SQLite default these were "database is locked" 500s: a deferred transaction that
read the ticket and then wrote failed at once when another one had written meanwhile. SQLite now
runs in WAL mode with IMMEDIATE transactions and a busy timeout (settings/base.py), so writers
queue: one claim wins (200), the others see it taken (409); every customer's ticket is filed.
The same test runs on PostgreSQL, where row locks do the same.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.api.live import live_server, token_for
from tests.factories import AgentFactory, CustomerFactory, TicketFactory

PASSWORD = "pw"  # tests.factories.UserFactory


def _at_once(calls: list) -> list[requests.Response]:
    """Run each call in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_four_agents_claiming_one_ticket_at_once_get_one_200_and_three_409s(category, payments):
    agents = [AgentFactory(username=f"claimer{n}", teams=[payments]) for n in range(4)]
    ticket = TicketFactory(category=category, team=payments)
    with live_server() as base_url:
        tokens = [token_for(base_url, agent.username, PASSWORD) for agent in agents]
        url = f"{base_url}/api/v1/tickets/{ticket.reference}/claim/"
        responses = _at_once(
            [
                lambda token=token: requests.post(url, headers={"Authorization": f"Token {token}"}, timeout=60)
                for token in tokens
            ]
        )
        codes = sorted(response.status_code for response in responses)
        assert codes == [200, 409, 409, 409], [response.text[:300] for response in responses]
        winner = next(response for response in responses if response.status_code == 200).json()
        detail = requests.get(
            f"{base_url}/api/v1/tickets/{ticket.reference}/",
            headers={"Authorization": f"Token {tokens[0]}"},
            timeout=30,
        ).json()
        assert detail["assignee"]["id"] == winner["assignee"]["id"]


@pytest.mark.django_db(transaction=True)
def test_customers_filing_at_once_all_get_201(category):
    customers = [CustomerFactory(username=f"filer{n}") for n in range(6)]
    with live_server() as base_url:
        tokens = [token_for(base_url, customer.username, PASSWORD) for customer in customers]
        payload = {
            "category": category.code,
            "subject": "Withdrawal missing",
            "body": "Sent an hour ago, not arrived.",
            "asset": "USDT",
            "network": "tron",
            "amount": "120.5",
        }
        responses = _at_once(
            [
                lambda token=token: requests.post(
                    f"{base_url}/api/v1/tickets/", json=payload, headers={"Authorization": f"Token {token}"}, timeout=60
                )
                for token in tokens
            ]
        )
        assert [response.status_code for response in responses] == [201] * 6, [r.text[:300] for r in responses]
        assert len({response.json()["reference"] for response in responses}) == 6
