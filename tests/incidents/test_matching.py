"""incidents.matching: which incident a new ticket belongs to, and the rule that says why."""

from datetime import timedelta

from incidents.matching import best_match, rule_for
from incidents.snapshot import IncidentFacts
from tests.factories import FIXED_NOW


def facts(id=1, categories=(), assets=(), networks=(), started_at=FIXED_NOW) -> IncidentFacts:
    return IncidentFacts(
        id=id,
        title="t",
        title_zh_hans="",
        message="m",
        message_zh_hans="",
        advice="",
        advice_zh_hans="",
        status="investigating",
        eta=None,
        started_at=started_at,
        resolved_at=None,
        updated_at=started_at,
        sla_clocks="keep",
        categories=frozenset(categories),
        assets=frozenset(assets),
        networks=frozenset(networks),
        latest_update=None,
    )


def test_every_listed_field_must_hold_and_the_rule_names_them():
    incident = facts(categories={"withdrawal_delayed"}, assets={"BTC"}, networks={"bitcoin"})
    assert rule_for(incident, category="withdrawal_delayed", asset="btc", network="bitcoin") == "category_asset_network"


def test_a_different_asset_does_not_match():
    incident = facts(categories={"withdrawal_delayed"}, assets={"BTC"})
    assert rule_for(incident, category="withdrawal_delayed", asset="ETH", network="") is None


def test_a_ticket_without_an_asset_does_not_match_an_incident_that_lists_assets():
    incident = facts(categories={"withdrawal_delayed"}, assets={"BTC"})
    assert rule_for(incident, category="withdrawal_delayed", asset="", network="") is None


def test_fields_the_incident_leaves_empty_are_not_looked_at():
    incident = facts(categories={"withdrawal_delayed"})
    assert rule_for(incident, category="withdrawal_delayed", asset="ETH", network="ethereum") == "category"


def test_an_incident_that_lists_nothing_never_matches_automatically():
    assert rule_for(facts(), category="other", asset="BTC", network="bitcoin") is None


def test_the_most_specific_incident_wins_then_the_newest():
    broad = facts(id=1, categories={"withdrawal_delayed"}, started_at=FIXED_NOW + timedelta(hours=1))
    narrow = facts(id=2, categories={"withdrawal_delayed"}, assets={"BTC"})
    newer_narrow = facts(id=3, categories={"withdrawal_delayed"}, assets={"BTC"}, started_at=FIXED_NOW + timedelta(1))
    found = best_match([broad, narrow, newer_narrow], category="withdrawal_delayed", asset="BTC", network="")
    assert (found.incident.id, found.rule, found.explanation) == (3, "category_asset", "Category and asset matched")
