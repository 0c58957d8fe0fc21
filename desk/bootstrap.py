"""The read-only reference data a desk page starts with, embedded in the page (json_script).

The page's controls list teams, agents, categories, macros and networks. Fetched as five API calls
on every page open, they were half of a ticket workspace's queries (each call pays its own
authentication and role lookup). They are rendered here, once, by the same selectors and
serializers as `GET teams/`, `agents/`, `categories/`, `macros/` (its first page) and `networks/`,
so the embedded data is exactly what those calls answer; every change still goes through the API.
"""

from typing import Any

from rest_framework.settings import api_settings

from accounts.models import User
from tickets import selectors
from tickets.api.serializers import AgentSerializer, CategorySerializer, MacroSerializer, TeamSerializer
from tickets.networks import NETWORKS, network_as_dict


def desk_reference_data(*, user: User) -> dict[str, list[Any]]:
    """Five queries: macros, teams, agents (with their groups and teams), categories."""
    first_page = api_settings.PAGE_SIZE  # GET macros/ is paginated; the pages use its first page
    return {
        "macros": MacroSerializer(
            selectors.macros_visible_to(user)[:first_page], many=True, context={"user": user}
        ).data,
        "teams": TeamSerializer(selectors.teams_all(), many=True).data,
        "agents": AgentSerializer(selectors.agents_assignable(), many=True).data,
        "categories": CategorySerializer(selectors.categories_active(), many=True).data,
        "networks": [network_as_dict(network) for network in NETWORKS.values()],
    }
