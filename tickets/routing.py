"""Routing and priority scoring for new tickets (money-first triage)."""

from decimal import Decimal

from accounts.models import CustomerProfile, User

from .models import PRIORITY_BY_RANK, PRIORITY_RANK, AssetThreshold, Category, Priority

RAISED_TIERS = {CustomerProfile.Tier.VIP, CustomerProfile.Tier.INSTITUTIONAL}


def raise_priority(priority: str, levels: int = 1) -> Priority:
    rank = max(PRIORITY_RANK[Priority(priority)] - levels, PRIORITY_RANK[Priority.URGENT])
    return PRIORITY_BY_RANK[rank]


def customer_tier(user: User) -> str:
    profile = getattr(user, "customer_profile", None)
    return profile.tier if profile else CustomerProfile.Tier.STANDARD


def is_large_amount(*, asset: str, amount: Decimal | None) -> bool:
    if amount is None or not asset:
        return False
    return AssetThreshold.objects.filter(asset=asset.upper(), amount__lte=amount).exists()


def initial_priority(*, category: Category, requester: User, asset: str, amount: Decimal | None) -> Priority:
    """The category's default, raised one level per reason: a VIP/institutional customer,
    and an amount at or above the asset's threshold (both together raise two levels)."""
    levels = 0
    if customer_tier(requester) in RAISED_TIERS:
        levels += 1
    if is_large_amount(asset=asset, amount=amount):
        levels += 1
    return raise_priority(category.default_priority, levels)
