"""The large-amount thresholds as ticket creation reads them: this process's copy
(support_desk.versioned), reloaded when a threshold changes, so filing a payment ticket decides
its priority without a statement."""

from decimal import Decimal

from support_desk.versioned import VersionedSnapshot

from .models import AssetThreshold

VERSION_KEY = "tickets:thresholds-version"


def _load(version: str) -> dict[str, Decimal]:
    return dict(AssetThreshold.objects.values_list("asset", "amount"))


_thresholds = VersionedSnapshot(VERSION_KEY, _load)


def threshold_of(asset: str) -> Decimal | None:
    """The amount at or above which a ticket about `asset` (any case) is a large one, or None."""
    return _thresholds.get().get(asset.upper())


def connect_signals() -> None:
    """Called from TicketsConfig.ready(): a threshold saved or deleted anywhere (the admin, a
    shell, seed_demo) reloads the copy."""
    _thresholds.reload_on_change(AssetThreshold)
