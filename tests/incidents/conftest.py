import pytest

from incidents.models import Incident
from incidents.services import incident_create
from tests.factories import FIXED_NOW


@pytest.fixture
def btc_incident(lead, category):
    """BTC withdrawals on the bitcoin network (category withdrawal_delayed), in both languages."""
    return incident_create(
        actor=lead,
        fields={
            "title": "BTC withdrawals are delayed",
            "title_zh_hans": "BTC 提现延迟",
            "message": "Bitcoin network congestion is slowing BTC withdrawals.",
            "message_zh_hans": "比特币网络拥堵导致 BTC 提现变慢。",
            "advice": "Do not resend the withdrawal: queued ones go out automatically.",
            "advice_zh_hans": "请不要重新提交提现：排队中的提现会自动发出。",
            "status": Incident.Status.IDENTIFIED,
            "assets": ["BTC"],
            "networks": ["bitcoin"],
            "eta": FIXED_NOW.replace(hour=15),
            "started_at": FIXED_NOW,
        },
        categories=[category],
        now=FIXED_NOW,
    )


def btc_ticket(**overrides) -> dict:
    return {
        "category": "withdrawal_delayed",
        "subject": "My BTC withdrawal is stuck",
        "body": "Sent three hours ago, still pending.",
        "asset": "BTC",
        "network": "bitcoin",
        "amount": "0.5",
        **overrides,
    }
