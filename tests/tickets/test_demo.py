"""`seed_demo`: the demo data CONTRACT.md promises, valid by the desk's own rules, and a queue that
looks like a real one after the first SLA sweep (not all red)."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from sla.models import SlaClock
from tickets.models import Category, Team, Ticket
from tickets.networks import validate_amount, validate_identifier

pytestmark = pytest.mark.django_db

OPEN = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.PENDING_CUSTOMER, Ticket.Status.ON_HOLD]


def seed() -> None:
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def sweep() -> None:
    with open(os.devnull, "w") as quiet:
        call_command("sla_sweep", stdout=quiet)


def sla_state(ticket: Ticket, *, now) -> str:
    """What a dashboard shows: breached; warning once a running clock is past 75 % of its target
    (the default ladder's first step); else on track. The demo calendar is 24x7."""
    if ticket.sla_breached:
        return "breached"
    for clock in SlaClock.objects.filter(ticket=ticket, state=SlaClock.State.RUNNING, due_at__isnull=False):
        if clock.due_at - now <= timedelta(seconds=clock.target_seconds * 0.25):
            return "warning"
    return "on_track"


def snapshot() -> dict:
    """The seeded data that must not change when seed_demo runs again."""
    return {
        "users": sorted(User.objects.values_list("username", "email", "is_staff", "is_superuser")),
        "teams": sorted(
            (team.code, team.lead.username, sorted(team.members.values_list("username", flat=True)), team.routing)
            for team in Team.objects.all()
        ),
        "categories": sorted(Category.objects.values_list("code", "default_team__code", "required_fields")),
        "tickets": sorted(Ticket.objects.values_list("reference", "subject", "status", "txid", "memo")),
        "clocks": SlaClock.objects.count(),
    }


def test_every_seeded_identifier_passes_the_portal_validator():
    seed()
    checked = 0
    for ticket in Ticket.objects.exclude(network=""):
        for field in ("txid", "address", "memo"):
            value = getattr(ticket, field)
            if value:
                validate_identifier(ticket.network, field, value)  # raises InvalidIdentifier with the reason
                checked += 1
        if ticket.amount is not None:
            validate_amount(ticket.asset, ticket.amount)
    assert checked >= 5


def test_the_demo_shows_on_track_warning_and_breached_open_tickets_after_the_first_sweep():
    seed()
    sweep()
    now = timezone.now()
    states = [sla_state(ticket, now=now) for ticket in Ticket.objects.filter(status__in=OPEN)]
    assert states.count("breached") >= 1, states
    assert states.count("warning") >= 1, states
    assert states.count("on_track") >= 1, states
    # Plausible, not all red: most open tickets are within their promise.
    assert states.count("breached") < len(states) / 2, states


def test_each_agents_demo_queue_fits_on_one_page(api_client):
    seed()
    for username in ("agent1", "agent2", "secagent"):
        api_client.force_authenticate(User.objects.get(username=username))
        response = api_client.get("/api/v1/queue/")
        assert response.status_code == 200
        body = response.json()
        assert body["results"], username
        assert len(body["results"]) <= 25
        assert body.get("next") is None, username


def test_seed_demo_twice_gives_the_same_data():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_demo_accounts_are_exactly_the_contract_ones(settings):
    seed()
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "admin",
        "agent1",
        "agent2",
        "alice",
        "bob",
        "lead",
        "secagent",
    ]
    for username in ("alice", "bob", "agent1", "agent2", "secagent", "lead", "admin"):
        assert User.objects.get(username=username).check_password(settings.DEMO_PASSWORD), username
    assert User.objects.get(username="alice").customer_profile.tier == "standard"
    assert User.objects.get(username="bob").customer_profile.tier == "vip"
    members = {team.code: set(team.members.values_list("username", flat=True)) for team in Team.objects.all()}
    assert members["general"] == members["payments"] == {"agent1", "agent2"}
    assert members["security"] == {"secagent"}
    assert set(Team.objects.values_list("lead__username", flat=True)) == {"lead"}
    assert not Team.objects.exclude(routing=Team.Routing.OFF).exists()
    assert User.objects.get(username="admin").is_superuser


def test_the_demo_has_an_acknowledged_formal_complaint_under_the_mica_policy():
    from sla.models import Complaint, ComplaintLetter, ComplaintPreset

    seed()
    complaint = Complaint.objects.get(ticket__requester__username="alice")
    assert complaint.preset == ComplaintPreset.EU_MICA
    assert complaint.policy.name == "Formal complaints (EU MiCA)"
    assert complaint.acknowledged_at is not None
    assert ComplaintLetter.Kind.ACKNOWLEDGEMENT in set(complaint.letters.values_list("kind", flat=True))


def test_the_demo_has_a_ticket_linked_to_an_active_incident():
    from incidents.models import IncidentLink

    seed()
    link = IncidentLink.objects.select_related("incident").get(ticket__requester__username__in=["alice", "bob"])
    assert link.incident.is_active
