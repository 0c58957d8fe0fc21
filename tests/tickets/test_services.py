from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import CustomerProfile
from tests.factories import CustomerFactory, MacroFactory
from tickets import services
from tickets.exceptions import TicketConflict, TicketForbidden, TicketInvalid, TicketTransitionError
from tickets.models import AssetThreshold, Message, Priority, Ticket, TicketEvent

Status = Ticket.Status
Kind = TicketEvent.Kind


def create(requester, category, now, **fields):
    return services.ticket_create(
        requester=requester,
        category=category,
        subject="Withdrawal stuck",
        body="My withdrawal has not arrived.",
        fields=services.TicketFields(**fields),
        now=now,
    )


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


# --- creation and routing ----------------------------------------------------------------


def test_create_routes_to_the_category_default_team(customer, category, now):
    ticket = create(customer, category, now, asset="USDT", amount=Decimal("10"))
    assert ticket.team == category.default_team
    assert ticket.status == Status.NEW


def test_create_keeps_the_first_message_and_records_created(customer, category, now):
    ticket = create(customer, category, now, asset="USDT", amount=Decimal("10"))
    assert ticket.messages.get().body == "My withdrawal has not arrived."
    assert kinds(ticket) == [Kind.CREATED]


def test_create_uses_the_category_default_priority(customer, category, now):
    ticket = create(customer, category, now, asset="USDT", amount=Decimal("10"))
    assert ticket.priority == Priority.NORMAL


def test_vip_customer_raises_priority_one_level(category, now):
    vip = CustomerFactory(profile__tier=CustomerProfile.Tier.VIP)
    ticket = create(vip, category, now, asset="USDT", amount=Decimal("10"))
    assert ticket.priority == Priority.HIGH


def test_amount_at_threshold_raises_priority_one_level(customer, category, now):
    AssetThreshold.objects.create(asset="BTC", amount=Decimal("1"))
    ticket = create(customer, category, now, asset="btc", amount=Decimal("1"))
    assert ticket.priority == Priority.HIGH


def test_amount_below_threshold_keeps_priority(customer, category, now):
    AssetThreshold.objects.create(asset="BTC", amount=Decimal("1"))
    ticket = create(customer, category, now, asset="BTC", amount=Decimal("0.99"))
    assert ticket.priority == Priority.NORMAL


def test_vip_with_large_amount_raises_two_levels_capped_at_urgent(category, now):
    AssetThreshold.objects.create(asset="ETH", amount=Decimal("20"))
    vip = CustomerFactory(profile__tier=CustomerProfile.Tier.INSTITUTIONAL)
    category.default_priority = Priority.HIGH
    category.save()
    ticket = create(vip, category, now, asset="ETH", amount=Decimal("25"))
    assert ticket.priority == Priority.URGENT


def test_missing_required_field_is_refused(customer, category, now):
    with pytest.raises(TicketInvalid):
        create(customer, category, now, asset="USDT")
    assert not Ticket.objects.exists()


def test_same_txid_in_same_category_is_flagged_as_possible_duplicate(customer, category, now):
    first = create(customer, category, now, asset="USDT", network="tron", amount=Decimal("5"), txid="ab" * 32)
    second = create(customer, category, now, asset="USDT", network="tron", amount=Decimal("5"), txid="AB" * 32)
    assert second.possible_duplicate_of == first


def test_same_order_id_is_flagged_as_possible_duplicate(customer, category, now):
    first = create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="ORD-42")
    second = create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="ORD-42")
    assert second.possible_duplicate_of == first


def test_order_id_in_other_case_is_not_a_duplicate(customer, category, now):
    create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="ORD-42")
    second = create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="ord-42")
    assert second.possible_duplicate_of is None


def test_solved_ticket_is_not_a_duplicate_target(customer, category, now):
    first = create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="42")
    Ticket.objects.filter(pk=first.pk).update(status=Status.SOLVED)
    second = create(customer, category, now, asset="USDT", amount=Decimal("5"), order_id="42")
    assert second.possible_duplicate_of is None


def test_references_are_unique_and_not_sequential(customer, category, now):
    references = {create(customer, category, now, asset="X", amount=Decimal("1")).reference for _ in range(5)}
    assert len(references) == 5
    assert all(len(reference) == 17 for reference in references)


# --- messages and first response -------------------------------------------------------------


def test_first_public_agent_reply_records_first_response_and_opens(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Looking into it", now=now)
    ticket.refresh_from_db()
    assert ticket.first_response_at == now
    assert ticket.status == Status.OPEN
    assert Kind.FIRST_RESPONSE in kinds(ticket)


def test_internal_note_is_not_a_first_response(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Check the ledger", internal=True, now=now)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == Status.NEW


def test_second_agent_reply_keeps_the_first_response_time(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="One", now=now)
    services.message_add(ticket=ticket, author=agent, body="Two", now=now + timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.first_response_at == now


def test_customer_internal_flag_is_never_honoured(ticket, customer, now):
    message = services.message_add(ticket=ticket, author=customer, body="secret?", internal=True, now=now)
    assert message.kind == Message.Kind.PUBLIC


@pytest.mark.parametrize("status", [Status.PENDING_CUSTOMER, Status.SOLVED])
def test_customer_reply_reopens_waiting_or_solved_ticket(ticket, customer, now, status):
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    services.message_add(ticket=ticket, author=customer, body="Still broken", now=now)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_customer_reply_on_solved_ticket_records_reopened(ticket, customer, now):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.SOLVED, solved_at=now)
    services.message_add(ticket=ticket, author=customer, body="Not fixed", now=now)
    ticket.refresh_from_db()
    assert ticket.solved_at is None
    assert kinds(ticket)[-1] == Kind.REOPENED


def test_reply_on_closed_ticket_is_a_conflict(ticket, customer, now):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    with pytest.raises(TicketConflict):
        services.message_add(ticket=ticket, author=customer, body="Hello?", now=now)
    assert not ticket.messages.exists()


def test_every_message_writes_an_event(ticket, customer, agent, now):
    services.message_add(ticket=ticket, author=customer, body="a", now=now)
    services.message_add(ticket=ticket, author=agent, body="b", internal=True, now=now)
    events = ticket.events.filter(kind=Kind.MESSAGE_ADDED)
    assert [e.data["internal"] for e in events] == [False, True]


# --- status machine ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", [Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.SOLVED])
def test_agent_may_set_any_open_state_from_new(ticket, agent, now, target):
    services.ticket_change_status(ticket=ticket, actor=agent, status=target, now=now)
    ticket.refresh_from_db()
    assert ticket.status == target


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.NEW, Status.CLOSED),
        (Status.OPEN, Status.NEW),
        (Status.CLOSED, Status.OPEN),
        (Status.SOLVED, Status.ON_HOLD),
    ],
)
def test_transition_outside_the_table_is_refused(ticket, agent, now, start, target):
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    with pytest.raises(TicketTransitionError):
        services.ticket_change_status(ticket=ticket, actor=agent, status=target, now=now)
    ticket.refresh_from_db()
    assert ticket.status == start


def test_solving_stamps_solved_at_and_closing_stamps_closed_at(ticket, agent, now):
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED, now=now)
    later = now + timedelta(days=3)
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.CLOSED, now=later)
    ticket.refresh_from_db()
    assert (ticket.solved_at, ticket.closed_at) == (now, later)


def test_status_change_records_from_and_to(ticket, agent, now):
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.ON_HOLD, now=now)
    event = ticket.events.get(kind=Kind.STATUS_CHANGED)
    assert (event.data["from"], event.data["to"], event.actor) == ("new", "on_hold", agent)


def test_customer_cannot_change_status(ticket, customer, now):
    with pytest.raises(TicketForbidden):
        services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED, now=now)


def test_reopen_only_from_solved(ticket, customer, now):
    with pytest.raises(TicketTransitionError):
        services.ticket_reopen(ticket=ticket, actor=customer, now=now)


# --- claim and assign -------------------------------------------------------------------------


def test_claim_assigns_without_changing_status(ticket, agent, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (agent, Status.NEW)


def test_claim_held_by_another_agent_is_a_conflict(ticket, agent, other_agent, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    with pytest.raises(TicketConflict):
        services.ticket_claim(ticket=ticket, agent=other_agent, now=now)


def test_claiming_twice_by_the_holder_records_one_event(ticket, agent, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    assert kinds(ticket).count(Kind.ASSIGNED) == 1


def test_claim_on_closed_ticket_is_a_conflict(ticket, agent, now):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    with pytest.raises(TicketConflict):
        services.ticket_claim(ticket=ticket, agent=agent, now=now)


def test_assign_to_agent_outside_the_team_is_refused(ticket, lead, outside_agent, now):
    with pytest.raises(TicketInvalid):
        services.ticket_assign(ticket=ticket, actor=lead, assignee=outside_agent, now=now)


def test_assign_to_a_customer_is_refused(ticket, lead, other_customer, now):
    with pytest.raises(TicketInvalid):
        services.ticket_assign(ticket=ticket, actor=lead, assignee=other_customer, now=now)


def test_assign_none_unassigns(ticket, agent, lead, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    services.ticket_assign(ticket=ticket, actor=lead, assignee=None, now=now)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert kinds(ticket)[-1] == Kind.UNASSIGNED


# --- other changes ------------------------------------------------------------------------------


def test_moving_team_unassigns_an_agent_who_is_not_a_member(ticket, agent, lead, security, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    services.ticket_change_team(ticket=ticket, actor=lead, team=security, now=now)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (security, None)


def test_priority_change_updates_the_queue_rank(ticket, agent, now):
    services.ticket_change_priority(ticket=ticket, actor=agent, priority=Priority.URGENT, now=now)
    ticket.refresh_from_db()
    assert ticket.priority_rank == 0


def test_update_is_all_or_nothing(ticket, agent, now):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    with pytest.raises(TicketTransitionError):
        services.ticket_update(
            ticket=ticket, actor=agent, changes={"priority": Priority.URGENT, "status": Status.OPEN}, now=now
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_complaint_flag_change_is_recorded(ticket, agent, now):
    services.ticket_set_complaint(ticket=ticket, actor=agent, is_complaint=True, now=now)
    assert ticket.events.get(kind=Kind.COMPLAINT_CHANGED).data == {"is_complaint": True}


# --- macros ---------------------------------------------------------------------------------------


def test_macro_posts_its_text_and_applies_its_status(ticket, agent, now):
    macro = MacroFactory(set_status=Status.PENDING_CUSTOMER, body="Hi {customer_name}, ref {reference}")
    services.macro_apply(ticket=ticket, macro=macro, actor=agent, now=now)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_CUSTOMER
    assert ticket.messages.last().body == f"Hi {ticket.requester.first_name}, ref {ticket.reference}"


def test_macro_of_another_team_cannot_be_applied(ticket, agent, general, now):
    macro = MacroFactory(team=general)
    with pytest.raises(TicketForbidden):
        services.macro_apply(ticket=ticket, macro=macro, actor=agent, now=now)


def test_agent_cannot_create_a_shared_macro(agent):
    with pytest.raises(TicketForbidden):
        services.macro_create(
            actor=agent, name="x", body="y", internal=False, set_status="", set_priority="", team=None
        )


# --- audit trail -----------------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(ticket, agent, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    event = ticket.events.get()
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


def test_category_change_is_recorded_with_both_codes(ticket, agent, other_category, now):
    services.ticket_change_category(ticket=ticket, actor=agent, category=other_category, now=now)
    event = ticket.events.get(kind=Kind.CATEGORY_CHANGED)
    assert event.data == {"from": "withdrawal_delayed", "to": "other"}


def test_a_changed_threshold_applies_to_the_next_ticket(customer, category, now):
    threshold = AssetThreshold.objects.create(asset="BTC", amount=Decimal("5"))
    assert create(customer, category, now, asset="BTC", amount=Decimal("2")).priority == Priority.NORMAL

    threshold.amount = Decimal("1")
    threshold.save()

    assert create(customer, category, now, asset="BTC", amount=Decimal("2")).priority == Priority.HIGH


def test_a_deleted_threshold_no_longer_raises_priority(customer, category, now):
    threshold = AssetThreshold.objects.create(asset="BTC", amount=Decimal("1"))
    threshold.delete()

    assert create(customer, category, now, asset="BTC", amount=Decimal("2")).priority == Priority.NORMAL


def test_the_threshold_check_reads_the_process_copy_without_a_statement(db, django_assert_num_queries):
    from tickets.routing import is_large_amount

    AssetThreshold.objects.create(asset="BTC", amount=Decimal("1"))
    is_large_amount(asset="BTC", amount=Decimal("1"))  # loads the copy

    with django_assert_num_queries(0):
        assert is_large_amount(asset="btc", amount=Decimal("3")) is True
        assert is_large_amount(asset="ETH", amount=Decimal("3")) is False
