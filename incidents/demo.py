"""The demo's incident (CONTRACT.md "Demo data"); seed_demo calls it. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from tickets.models import Category

from .models import Incident


def ensure_demo_incident() -> None:
    incident, created = Incident.objects.get_or_create(
        title="BTC withdrawals are delayed",
        defaults={
            "title_zh_hans": "BTC 提现延迟",
            "message": "Bitcoin network congestion is slowing BTC withdrawals. Funds are safe; "
            "queued withdrawals will be sent automatically.",
            "message_zh_hans": "比特币网络拥堵导致 BTC 提现变慢。资金安全，排队中的提现将自动发出。",
            "status": Incident.Status.IDENTIFIED,
            "assets": ["BTC"],
            "networks": ["bitcoin"],
            "started_at": timezone.now() - timedelta(hours=1),
            "eta": timezone.now() + timedelta(hours=3),
        },
    )
    if created:
        incident.categories.set(Category.objects.filter(code="withdrawal_delayed"))
