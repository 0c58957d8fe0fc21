"""Which active incident a new ticket belongs to, in memory (incidents.snapshot), and why.

The rule, in words (shown to staff as the link's rule):
- An incident matches on what it lists: its categories, its assets, its networks. Each one it
  lists must hold for the ticket (the ticket's category is among the categories; its asset among
  the assets; its network among the networks). What it leaves empty is not looked at.
- An incident that lists nothing matches no ticket automatically (it is shown on the portal, and
  tickets are linked to it by hand): "everything" is never a safe guess.
- A ticket that does not say its asset (or network) does not match an incident that lists assets
  (networks): the desk does not link on a guess.
- Several match: the most specific wins (the most of category, asset, network it checked), then
  the most recent.
The rule recorded is the fields that were checked: `category`, `category_asset`,
`category_asset_network`, `asset_network`, … (IncidentLink.Rule).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .models import IncidentLink
from .snapshot import IncidentFacts


@dataclass(frozen=True, slots=True)
class Match:
    incident: IncidentFacts
    rule: str

    @property
    def explanation(self) -> str:
        return str(IncidentLink.Rule(self.rule).label)


def rule_for(incident: IncidentFacts, *, category: str, asset: str, network: str) -> str | None:
    """The rule by which `incident` matches a ticket with these fields, or None."""
    checked = []
    if incident.categories:
        if category not in incident.categories:
            return None
        checked.append("category")
    if incident.assets:
        if not asset or asset.upper() not in incident.assets:
            return None
        checked.append("asset")
    if incident.networks:
        if not network or network.lower() not in incident.networks:
            return None
        checked.append("network")
    return "_".join(checked) or None


def best_match(incidents: Iterable[IncidentFacts], *, category: str, asset: str, network: str) -> Match | None:
    best: Match | None = None
    for incident in incidents:
        rule = rule_for(incident, category=category, asset=asset, network=network)
        if rule is None:
            continue
        candidate = Match(incident=incident, rule=rule)
        if best is None or _rank(candidate) > _rank(best):
            best = candidate
    return best


def _rank(match: Match) -> tuple:
    return (match.rule.count("_") + 1, match.incident.started_at, match.incident.id)
