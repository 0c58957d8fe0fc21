"""support_desk.compiled_query: a SELECT the ORM builds once, run with each call's values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support_desk.compiled_query import CompiledQuery
from tickets.models import Ticket

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


def _by_reference(calls: list | None = None) -> CompiledQuery:
    def build(reference, team_id):
        if calls is not None:
            calls.append(reference)
        return Ticket.objects.filter(reference=reference, team_id=team_id).only("pk", "reference")[:1]

    return CompiledQuery(build, reference=str, team_id=int)


def test_the_row_found_is_the_ticket_the_orm_finds():
    ticket = TicketFactory()

    row = _by_reference().first(reference=ticket.reference, team_id=ticket.team_id)

    assert row.instances[0] == Ticket.objects.get(reference=ticket.reference, team_id=ticket.team_id)


def test_only_the_selected_columns_are_loaded_and_the_rest_on_first_use():
    ticket = TicketFactory(subject="Withdrawal stuck")

    found = _by_reference().first(reference=ticket.reference, team_id=ticket.team_id).instances[0]

    assert found.get_deferred_fields() >= {"subject", "status"}
    assert found.subject == "Withdrawal stuck"


def test_no_matching_row_gives_none():
    ticket = TicketFactory()

    assert _by_reference().first(reference=ticket.reference, team_id=ticket.team_id + 1000) is None


def test_the_query_is_built_once_and_each_call_is_one_statement():
    first, second = TicketFactory(), TicketFactory()
    calls = []
    lookup = _by_reference(calls)
    lookup.first(reference=first.reference, team_id=first.team_id)
    built = len(calls)

    with CaptureQueriesContext(connection) as queries:
        row = lookup.first(reference=second.reference, team_id=second.team_id)

    assert row.instances[0].pk == second.pk
    assert len(calls) == built
    assert len(queries) == 1


def test_a_value_the_orm_rewrites_cannot_be_a_slot():
    lookup = CompiledQuery(lambda text: Ticket.objects.filter(subject__icontains=text)[:1], text=str)

    with pytest.raises(ValueError, match="not a plain parameter"):
        lookup.first(text="funds")


def test_every_slot_needs_a_value():
    with pytest.raises(TypeError, match="expected the values"):
        _by_reference().first(reference="T-1")


def test_a_slot_is_text_or_an_integer():
    with pytest.raises(TypeError, match="str or int"):
        CompiledQuery(lambda amount: Ticket.objects.filter(amount=amount), amount=float)
