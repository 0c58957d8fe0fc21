"""Merge and split (issue 13, item 3): tickets.merge and its endpoints. Nothing is moved or
rewritten; both tickets' audit chains verify afterwards."""

import hashlib
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from tests.factories import AgentFactory, CustomerFactory
from tickets import merge, services
from tickets.audit_chain import verify_chains
from tickets.exceptions import TicketConflict
from tickets.models import Attachment, Message, Ticket, TicketEvent

Kind = TicketEvent.Kind
pytestmark = pytest.mark.django_db

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def file_ticket(category, now):
    """A ticket filed through the service (its first message, `created` event and chain)."""

    def file(requester, subject="My USDT withdrawal is stuck", body="Sent 100 USDT yesterday, not arrived.", **extra):
        fields = services.TicketFields(asset="USDT", amount=Decimal("100"), **extra)
        return services.ticket_create(
            requester=requester, category=category, subject=subject, body=body, fields=fields, now=now
        )

    return file


@pytest.fixture
def pair(file_ticket, customer, agent, now):
    """A main ticket and a later duplicate of the same customer, each with a reply and a file."""
    main = file_ticket(customer)
    duplicate = file_ticket(customer, subject="Withdrawal still missing", body="Where is my USDT?")
    for ticket in (main, duplicate):
        services.message_add(ticket=ticket, author=agent, body="We are checking.", now=now + timedelta(minutes=1))
        upload = SimpleUploadedFile(f"proof-{ticket.pk}.png", PNG_1X1, content_type="image/png")
        services.attachment_add(ticket=ticket, uploader=customer, upload=upload, now=now + timedelta(minutes=2))
    return main, duplicate


def _merge(duplicate, main, agent, now):
    return merge.ticket_merge(duplicate=duplicate, main=main, actor=agent, now=now + timedelta(minutes=5))


def _evidence(ticket: Ticket) -> tuple[list, list]:
    """What must survive a merge: every message's body hash and every file's SHA-256, by id."""
    messages = [
        (m.pk, m.kind, hashlib.sha256(m.body.encode()).hexdigest()) for m in Message.objects.filter(ticket=ticket)
    ]
    files = []
    for attachment in Attachment.objects.filter(ticket=ticket):
        with attachment.file.open("rb") as handle:
            files.append((attachment.pk, attachment.sha256, hashlib.sha256(handle.read()).hexdigest()))
    return sorted(messages), sorted(files)


# --- Merge: the service ---


def test_merge_records_merged_into_on_the_duplicate_and_merged_from_on_the_main(pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    into = TicketEvent.objects.get(ticket=duplicate, kind=Kind.MERGED_INTO)
    came = TicketEvent.objects.get(ticket=main, kind=Kind.MERGED_FROM)
    assert into.data["into"] == main.reference
    assert came.data["duplicate"] == duplicate.reference


def test_merge_closes_the_duplicate_with_a_pointer_to_the_main(pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    duplicate.refresh_from_db()
    assert duplicate.status == Ticket.Status.CLOSED
    assert duplicate.merged_into_id == main.pk
    close = TicketEvent.objects.get(ticket=duplicate, kind=Kind.STATUS_CHANGED, data__to="closed")
    assert close.data["reason"] == "merged"


def test_merge_stops_the_duplicates_sla_clocks(sla_policy, pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    duplicate.refresh_from_db()
    assert duplicate.sla_due_at is None
    assert all(clock.state in ("stopped", "fulfilled") for clock in duplicate.sla_clocks.all())


def test_merged_from_records_the_duplicates_chain_head_after_its_last_event(pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    duplicate.refresh_from_db()
    came = TicketEvent.objects.get(ticket=main, kind=Kind.MERGED_FROM)
    last = TicketEvent.objects.filter(ticket=duplicate).order_by("-id").first()
    assert came.data["duplicate_chain_head"] == last.hash == duplicate.audit_head
    assert came.data["duplicate_chain_length"] == duplicate.audit_length


def test_merge_keeps_every_message_and_attachment_hash(pair, agent, now):
    main, duplicate = pair
    before = {ticket.pk: _evidence(ticket) for ticket in pair}

    _merge(duplicate, main, agent, now)

    after_duplicate = _evidence(duplicate)
    after_main_messages, after_main_files = _evidence(main)
    assert after_duplicate == before[duplicate.pk]
    assert after_main_files == before[main.pk][1]
    # The main ticket gains only the notice to the customer; its own messages are as they were.
    assert [m for m in after_main_messages if m[1] != Message.Kind.SYSTEM] == before[main.pk][0]


def test_verify_audit_passes_on_both_tickets_after_a_merge(pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    out = StringIO()
    call_command("verify_audit", "--ticket", main.reference, "--ticket", duplicate.reference, stdout=out)
    assert "intact" in out.getvalue()
    assert list(verify_chains(ticket_ids=[main.pk, duplicate.pk])) == []


def test_merge_tells_the_customer_on_the_main_ticket_and_by_email(pair, agent, now):
    main, duplicate = pair

    _merge(duplicate, main, agent, now)

    notice = Message.objects.get(ticket=main, kind=Message.Kind.SYSTEM)
    assert duplicate.reference in notice.body
    mail = OutboxMessage.objects.get(purpose="tickets_merged")
    assert mail.ticket_reference == main.reference
    assert mail.payload["context"]["duplicate"]["reference"] == duplicate.reference


def test_two_customers_tickets_are_never_merged(file_ticket, customer, other_customer, agent, now):
    mine, theirs = file_ticket(customer), file_ticket(other_customer)

    with pytest.raises(TicketConflict):
        _merge(theirs, mine, agent, now)

    assert not TicketEvent.objects.filter(kind__in=[Kind.MERGED_INTO, Kind.MERGED_FROM]).exists()


def test_a_ticket_cannot_be_merged_into_itself(pair, agent, now):
    main, _duplicate = pair

    with pytest.raises(TicketConflict):
        _merge(main, main, agent, now)


def test_a_merged_ticket_cannot_be_merged_again(pair, file_ticket, customer, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    third = file_ticket(customer)

    with pytest.raises(TicketConflict, match=main.reference):
        _merge(duplicate, third, agent, now)


def test_merging_into_a_merged_ticket_is_refused_and_names_its_main(pair, file_ticket, customer, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    third = file_ticket(customer)

    with pytest.raises(TicketConflict, match=main.reference):
        _merge(third, duplicate, agent, now)


def test_a_customer_cannot_merge(pair, customer, now):
    main, duplicate = pair

    with pytest.raises(services.TicketForbidden):
        merge.ticket_merge(duplicate=duplicate, main=main, actor=customer, now=now)


# --- Merge: what customers and staff read ---


def test_the_customer_of_a_merged_duplicate_is_pointed_to_the_main(api_client, pair, customer, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(customer)

    response = api_client.get(f"/api/v1/tickets/{duplicate.reference}/")

    assert response.status_code == 200
    assert response.data["merged_into"] == main.reference
    assert response.data["reference"] == duplicate.reference  # existing fields keep their meaning


def test_an_unmerged_ticket_points_nowhere(api_client, pair, customer):
    main, _duplicate = pair
    api_client.force_authenticate(customer)

    response = api_client.get(f"/api/v1/tickets/{main.reference}/")

    assert response.data["merged_into"] is None
    assert response.data["merged_from"] == []


def test_the_main_tickets_detail_shows_the_duplicates_conversation(api_client, pair, customer, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(customer)

    response = api_client.get(f"/api/v1/tickets/{main.reference}/")

    [merged] = response.data["merged_from"]
    assert merged["reference"] == duplicate.reference
    assert [m["body"] for m in merged["messages"]] == ["Where is my USDT?", "We are checking."]
    assert [a["sha256"] for a in merged["attachments"]] == [
        a.sha256 for a in Attachment.objects.filter(ticket=duplicate)
    ]
    assert any(entry["kind"] == Kind.MERGED_FROM for entry in response.data["timeline"])


def test_the_main_tickets_export_holds_both_conversations(api_client, pair, customer, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(customer)

    record = api_client.get(f"/api/v1/tickets/{main.reference}/export/").json()
    page = api_client.get(f"/api/v1/tickets/{main.reference}/export/?format=html")

    [merged] = record["merged_from"]
    assert merged["reference"] == duplicate.reference
    assert "Where is my USDT?" in [m["body"] for m in merged["messages"]]
    assert f"Merged from {duplicate.reference}" in page.content.decode()


def test_internal_notes_of_the_duplicate_stay_out_of_the_main_tickets_record(api_client, pair, customer, agent, now):
    main, duplicate = pair
    services.message_add(ticket=duplicate, author=agent, body="Looks like a scam.", internal=True, now=now)
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(customer)

    response = api_client.get(f"/api/v1/tickets/{main.reference}/")

    assert "Looks like a scam." not in str(response.data["merged_from"])


def test_main_detail_query_count_does_not_grow_with_the_duplicates_messages(
    api_client, pair, customer, agent, now, django_assert_num_queries
):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(customer)
    url = f"/api/v1/tickets/{main.reference}/"
    with CaptureQueriesContext(connection) as captured:
        api_client.get(url)
    baseline = len(captured)
    for n in range(5):
        Message.objects.create(ticket=duplicate, author=customer, body=f"more {n}", created_at=now)

    with django_assert_num_queries(baseline):
        api_client.get(url)


# --- Merge: the API ---


def test_merge_endpoint_answers_with_the_main_ticket(api_client, pair, agent):
    main, duplicate = pair
    api_client.force_authenticate(agent)

    response = api_client.post(f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": main.reference})

    assert response.status_code == 200
    assert response.data["reference"] == main.reference
    assert [m["reference"] for m in response.data["merged_from"]] == [duplicate.reference]


def test_merge_endpoint_refuses_two_customers_tickets_with_409(
    api_client, file_ticket, customer, other_customer, agent
):
    mine, theirs = file_ticket(customer), file_ticket(other_customer)
    api_client.force_authenticate(agent)

    response = api_client.post(f"/api/v1/tickets/{theirs.reference}/merge/", {"into": mine.reference})

    assert response.status_code == 409
    assert "different customers" in response.data["detail"]


def test_merge_endpoint_refuses_a_main_the_agent_cannot_see(
    api_client, pair, customer, outside_agent, other_category, now
):
    _main, duplicate = pair
    hidden = services.ticket_create(
        requester=customer, category=other_category, subject="x", body="y", fields=services.TicketFields(), now=now
    )
    agent = AgentFactory(teams=[duplicate.team])
    api_client.force_authenticate(agent)

    response = api_client.post(f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": hidden.reference})

    assert response.status_code == 400
    assert "into" in response.data


def test_merge_endpoint_with_a_stale_version_is_refused(api_client, pair, agent, other_agent, now):
    main, duplicate = pair
    api_client.force_authenticate(agent)
    version = api_client.get(f"/api/v1/tickets/{duplicate.reference}/").data["version"]
    services.ticket_change_priority(ticket=duplicate, actor=other_agent, priority="high", now=now)

    response = api_client.post(
        f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": main.reference, "expected_version": version}
    )

    assert response.status_code == 409
    assert response.data["code"] == "stale"


# --- Split ---


@pytest.fixture
def busy_ticket(file_ticket, customer, agent, now):
    ticket = file_ticket(customer)
    services.message_add(ticket=ticket, author=agent, body="Checking the withdrawal.", now=now + timedelta(minutes=1))
    second = services.message_add(
        ticket=ticket, author=customer, body="Also: my KYC was rejected, why?", now=now + timedelta(minutes=2)
    )
    return ticket, second


def _split(ticket, message, agent, now, subject=None):
    return merge.message_split(
        ticket=ticket, message=message, actor=agent, now=now + timedelta(minutes=5), subject=subject
    )


def test_split_creates_a_ticket_of_the_same_customer_category_and_team(busy_ticket, agent, now):
    ticket, message = busy_ticket

    new = _split(ticket, message, agent, now, subject="KYC rejected")

    assert new.pk != ticket.pk
    assert (new.requester_id, new.category_id, new.team_id) == (ticket.requester_id, ticket.category_id, ticket.team_id)
    assert new.subject == "KYC rejected"


def test_split_without_a_subject_names_the_source(busy_ticket, agent, now):
    ticket, message = busy_ticket

    new = _split(ticket, message, agent, now)

    assert new.subject == f"Split from {ticket.reference}"


def test_split_references_the_message_in_the_new_tickets_first_message(busy_ticket, agent, now):
    ticket, message = busy_ticket

    new = _split(ticket, message, agent, now)

    first = Message.objects.filter(ticket=new).order_by("id").first()
    assert first.split_from_id == message.pk
    assert first.body == message.body
    assert first.author_id == message.author_id


def test_split_leaves_the_original_message_where_it_was(busy_ticket, agent, now):
    ticket, message = busy_ticket
    before = list(Message.objects.filter(ticket=ticket).values_list("pk", "body", "kind", "created_at"))

    _split(ticket, message, agent, now)

    assert list(Message.objects.filter(ticket=ticket).values_list("pk", "body", "kind", "created_at")) == before


def test_split_records_split_to_on_the_source_and_split_from_on_the_new_ticket(busy_ticket, agent, now):
    ticket, message = busy_ticket

    new = _split(ticket, message, agent, now)

    to = TicketEvent.objects.get(ticket=ticket, kind=Kind.SPLIT_TO)
    came = TicketEvent.objects.get(ticket=new, kind=Kind.SPLIT_FROM)
    assert (to.data["to"], to.data["message_id"]) == (new.reference, message.pk)
    assert (came.data["source"], came.data["message_id"]) == (ticket.reference, message.pk)
    assert list(TicketEvent.objects.filter(ticket=new).order_by("id").values_list("kind", flat=True)[:2]) == [
        Kind.CREATED,
        Kind.SPLIT_FROM,
    ]
    assert list(verify_chains(ticket_ids=[ticket.pk, new.pk])) == []


def test_the_split_ticket_gets_its_own_sla_clocks(sla_policy, busy_ticket, agent, now):
    ticket, message = busy_ticket

    new = _split(ticket, message, agent, now)

    assert new.sla_clocks.filter(metric="first_response").exists()
    assert new.sla_due_at is not None


def test_an_agents_message_cannot_be_split_out(busy_ticket, agent, now):
    ticket, _message = busy_ticket
    reply = Message.objects.get(ticket=ticket, author=agent)

    with pytest.raises(TicketConflict):
        _split(ticket, reply, agent, now)


def test_a_message_is_split_out_once(busy_ticket, agent, now):
    ticket, message = busy_ticket
    new = _split(ticket, message, agent, now)

    with pytest.raises(TicketConflict, match=new.reference):
        _split(ticket, message, agent, now)


def test_split_endpoint_answers_201_with_the_new_ticket(api_client, busy_ticket, agent):
    ticket, message = busy_ticket
    api_client.force_authenticate(agent)

    response = api_client.post(
        f"/api/v1/tickets/{ticket.reference}/messages/{message.pk}/split/", {"subject": "KYC rejected"}
    )

    assert response.status_code == 201
    assert response.data["subject"] == "KYC rejected"
    assert response.data["reference"] != ticket.reference


def test_split_endpoint_answers_404_for_a_message_of_another_ticket(
    api_client, busy_ticket, file_ticket, customer, agent
):
    _ticket, message = busy_ticket
    other = file_ticket(customer)
    api_client.force_authenticate(agent)

    response = api_client.post(f"/api/v1/tickets/{other.reference}/messages/{message.pk}/split/", {})

    assert response.status_code == 404


# --- Suggestions ---


@pytest.fixture
def candidates(file_ticket, customer):
    """A ticket, and three other open tickets of its customer: same transaction, a similar
    subject, and an unrelated one (filed last, so newest-first order alone would put it first)."""
    txid = "0x" + "ab" * 32
    ticket = file_ticket(customer, subject="USDT withdrawal not received", body="My USDT withdrawal never arrived.")
    same_tx = file_ticket(customer, subject="Question", body="Hello", network="ethereum", txid=txid)
    similar = file_ticket(customer, subject="USDT withdrawal still not received", body="My USDT withdrawal is late.")
    unrelated = file_ticket(customer, subject="Change my phone number", body="New phone, please update.")
    Ticket.objects.filter(pk=ticket.pk).update(network="ethereum", txid=txid)
    ticket.refresh_from_db()
    return ticket, same_tx, similar, unrelated


def test_suggestions_rank_a_same_transaction_ticket_first(candidates, agent):
    ticket, same_tx, _similar, _unrelated = candidates

    suggestions = merge.merge_suggestions(ticket=ticket, user=agent)

    assert suggestions[0].reference == same_tx.reference
    assert suggestions[0].same == "txid"


def test_suggestions_rank_a_similar_subject_above_an_unrelated_one(candidates, agent):
    ticket, _same_tx, similar, unrelated = candidates

    order = [s.reference for s in merge.merge_suggestions(ticket=ticket, user=agent)]

    assert order.index(similar.reference) < order.index(unrelated.reference)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_suggestions_use_pg_trgm_similarity_on_postgresql(candidates, agent):
    ticket, _same_tx, similar, unrelated = candidates
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [similar.subject, ticket.subject])
        expected = cursor.fetchone()[0]

    scored = {s.reference: s for s in merge.merge_suggestions(ticket=ticket, user=agent)}

    assert scored[similar.reference].similarity >= round(expected, 3) > scored[unrelated.reference].similarity
    assert scored[similar.reference].suggested and not scored[unrelated.reference].suggested


def test_the_fallback_similarity_is_a_token_jaccard():
    assert merge.token_jaccard("USDT withdrawal not received", "USDT withdrawal still not received") == 0.8
    assert merge.token_jaccard("Change my phone", "USDT withdrawal") == 0.0
    assert merge.token_jaccard("", "anything") == 0.0


def test_suggestions_leave_out_closed_and_other_customers_tickets(candidates, file_ticket, other_customer, agent, now):
    ticket, same_tx, similar, unrelated = candidates
    services.ticket_change_status(ticket=unrelated, actor=agent, status="solved", now=now)
    services.ticket_change_status(ticket=unrelated, actor=agent, status="closed", now=now)
    theirs = file_ticket(other_customer, subject=ticket.subject)

    references = {s.reference for s in merge.merge_suggestions(ticket=ticket, user=agent)}

    assert references == {same_tx.reference, similar.reference}
    assert theirs.reference not in references


def test_suggestions_score_at_most_twenty_candidates(file_ticket, customer, agent):
    ticket = file_ticket(customer)
    for n in range(merge.SUGGESTIONS_MAX + 3):
        file_ticket(customer, subject=f"Other {n}")

    assert len(merge.merge_suggestions(ticket=ticket, user=agent)) == merge.SUGGESTIONS_MAX


def test_suggestions_endpoint_lists_the_ranked_candidates(api_client, candidates, agent):
    ticket, same_tx, _similar, _unrelated = candidates
    api_client.force_authenticate(agent)

    response = api_client.get(f"/api/v1/tickets/{ticket.reference}/merge-suggestions/")

    assert response.status_code == 200
    assert response.data[0]["reference"] == same_tx.reference
    assert response.data[0]["same"] == "txid"


def test_suggestions_query_count_does_not_grow_with_the_candidates(
    api_client, file_ticket, customer, agent, django_assert_num_queries
):
    ticket = file_ticket(customer)
    file_ticket(customer)
    api_client.force_authenticate(agent)
    url = f"/api/v1/tickets/{ticket.reference}/merge-suggestions/"
    api_client.get(url)  # the caller's role, cached on first use
    with CaptureQueriesContext(connection) as captured:
        api_client.get(url)
    baseline = len(captured)
    for n in range(6):
        file_ticket(customer, subject=f"Another {n}")

    with django_assert_num_queries(baseline):
        response = api_client.get(url)

    assert len(response.data) == 7


def test_suggestions_are_not_shown_to_customers(api_client, candidates, customer):
    ticket, *_ = candidates
    api_client.force_authenticate(customer)

    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/merge-suggestions/").status_code == 404


def test_an_agent_of_another_team_gets_404_on_merge(api_client, pair, outside_agent):
    main, duplicate = pair
    api_client.force_authenticate(outside_agent)

    response = api_client.post(f"/api/v1/tickets/{duplicate.reference}/merge/", {"into": main.reference})

    assert response.status_code == 404


def test_another_customer_cannot_learn_of_a_merge(api_client, pair, agent, now):
    main, duplicate = pair
    _merge(duplicate, main, agent, now)
    api_client.force_authenticate(CustomerFactory())

    assert api_client.get(f"/api/v1/tickets/{duplicate.reference}/").status_code == 404


def test_a_merge_reaches_webhook_subscribers_with_the_main_reference(pair, agent, now):
    main, duplicate = pair
    WebhookEndpoint.objects.create(name="exchange", url="https://exchange.example/hooks", event_types=["ticket.merged"])

    _merge(duplicate, main, agent, now)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.reference, delivery.body["data"]["merged_into"]) == (duplicate.reference, main.reference)
