from django.db.models import Q

from .models import Incident


def incidents_active(*, category: str = "", asset: str = "", network: str = "") -> list[Incident]:
    """Unresolved incidents, optionally only those that affect this category, asset and network
    (an incident that names none of them affects everything)."""
    incidents = Incident.objects.exclude(status=Incident.Status.RESOLVED).prefetch_related("categories", "updates")
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
    return list(Incident.objects.prefetch_related("categories", "updates").order_by("-started_at")[:limit])


def incident_public_queryset():
    """Incidents with what the status page shows: categories and update history."""
    return Incident.objects.prefetch_related("categories", "updates")


def incidents_for_desk(*, resolved_days: int = 7) -> list[Incident]:
    """Active incidents and those resolved lately, each with `linked_open` and `linked_total`
    (one query: the counts are aggregated per incident)."""
    from datetime import timedelta

    from django.db.models import Count
    from django.utils import timezone

    from tickets.selectors import OPEN_STATUSES

    since = timezone.now() - timedelta(days=resolved_days)
    return list(
        Incident.objects.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
        .annotate(
            linked_total=Count("links"),
            linked_open=Count("links", filter=Q(links__ticket__status__in=OPEN_STATUSES)),
        )
        .prefetch_related("categories")
        .order_by("resolved_at", "-started_at")
    )


def incident_links(*, incident: Incident, limit: int = 200):
    from .models import IncidentLink

    return list(
        IncidentLink.objects.filter(incident=incident).select_related("ticket").order_by("-linked_at", "-id")[:limit]
    )
