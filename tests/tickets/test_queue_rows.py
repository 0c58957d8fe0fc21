"""The queue's hand-built rows (tickets.api.queue_rows) are TicketSerializer's staff rows: the same
keys in the same order, the same values, for every kind of ticket a queue shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIRequestFactory

from accounts.models import CustomerProfile
from tests.factories import CustomerFactory, TicketFactory, UserFactory
from tickets import selectors, services
from tickets.api.queue_rows import queue_rows
from tickets.api.serializers import TicketSerializer
from tickets.models import Ticket


@pytest.fixture
def varied_queue(customer, category, sla_policy, agent, other_agent):
    """Tickets with running, paused and breached clocks, an assignee, a duplicate, amounts of
    every shape (ETH: up to 18 decimals), a requester without a profile and one with a VIP tier and
    no first name."""
    now = timezone.now()
    filed = [
        services.ticket_create(
            requester=customer,
            category=category,
            subject=f"Withdrawal {index}",
            body="Help",
            fields=services.TicketFields(asset="ETH", network="ethereum", amount=amount, txid=f"0x{index:064x}"),
            now=now - timedelta(hours=index * 3),
        )
        for index, amount in enumerate(
            [Decimal("1"), Decimal("0.000000000000000001"), Decimal("12.50"), Decimal("123456789.123456789")]
        )
    ]
    services.ticket_claim(ticket=filed[0], agent=agent, now=now)
    services.message_add(ticket=filed[0], author=agent, body="On it", now=now)
    services.ticket_change_status(ticket=filed[1], actor=agent, status=Ticket.Status.PENDING_CUSTOMER, now=now)
    Ticket.objects.filter(pk=filed[2].pk).update(sla_breached=True, breached_metrics=["first_response"])
    vip = CustomerFactory(first_name="")
    CustomerProfile.objects.filter(user=vip).update(tier=CustomerProfile.Tier.VIP)
    TicketFactory(category=category, requester=vip, possible_duplicate_of=filed[0], assignee=other_agent)
    TicketFactory(category=category, requester=UserFactory(), status=Ticket.Status.ON_HOLD, amount=Decimal("1E+3"))
    category.name_zh_hans = "提现延迟"
    category.save(update_fields=["name_zh_hans"])


def serializer_rows(agent, now):
    request = APIRequestFactory().get("/api/v1/queue/")
    request.user = agent
    tickets = selectors.ticket_list(user=agent).annotate(queue_due=selectors.QUEUE_DUE).order_by("queue_due", "id")
    return TicketSerializer(tickets, many=True, context={"request": request, "_now": now}).data


def built_rows(agent, now):
    tickets = selectors.queue_rows_values(selectors.queue_tickets(user=agent).order_by("queue_due", "id"))
    return queue_rows(list(tickets), now=now)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_queue_rows_are_the_serializers_staff_rows(agent, varied_queue, language):
    now = timezone.now()
    with translation.override(language):
        expected, built = serializer_rows(agent, now), built_rows(agent, now)
    assert len(built) == 6
    assert [list(row) for row in built] == [list(row) for row in expected]
    assert built == [dict(row) for row in expected]


def test_queue_rows_show_the_states_they_were_built_for(agent, varied_queue):
    states = {row["subject"]: row["sla_state"] for row in built_rows(agent, timezone.now())}
    assert states["Withdrawal 1"] == "paused"
    assert states["Withdrawal 2"] == "breached"  # flagged by the sweep
    assert states["Withdrawal 3"] == "breached"  # filed 9 h ago: its 4 h first response is past due
    assert states["Withdrawal 0"] in ("on_track", "warning")


def test_an_empty_page_reads_nothing_more(agent, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert queue_rows([], now=timezone.now()) == []
