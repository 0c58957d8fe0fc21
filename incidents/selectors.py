from django.db.models import Q

from .models import Incident


def incidents_active(*, category: str = "", asset: str = "", network: str = "") -> list[Incident]:
    """Unresolved incidents, optionally only those that affect this category, asset and network
    (an incident that names none of them affects everything)."""
    incidents = Incident.objects.exclude(status=Incident.Status.RESOLVED).prefetch_related("categories")
    if category:
        incidents = incidents.filter(Q(categories__isnull=True) | Q(categories__code=category))
    rows = list(incidents.distinct().order_by("-started_at"))
    if asset:
        rows = [i for i in rows if not i.assets or asset.upper() in [a.upper() for a in i.assets]]
    if network:
        rows = [i for i in rows if not i.networks or network in i.networks]
    return rows


def incidents_recent(*, limit: int = 50) -> list[Incident]:
    """Every incident, resolved ones too, newest first."""
    return list(Incident.objects.prefetch_related("categories").order_by("-started_at")[:limit])
