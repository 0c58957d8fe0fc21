"""The active incidents as ticket creation matches them: this process's copy
(support_desk.versioned), reloaded when an incident, its categories or its updates change, so
filing a ticket while no incident matches costs no statement. The copy holds plain frozen facts:
a request cannot change the process's shared data."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models.signals import m2m_changed

from support_desk.versioned import VersionedSnapshot

from .models import Incident, IncidentUpdate, localized_field

VERSION_KEY = "incidents:active-version"


@dataclass(frozen=True, slots=True)
class UpdateFacts:
    id: int
    status: str
    eta: datetime | None
    body: str
    body_zh_hans: str
    created_at: datetime

    def localized(self, language: str | None = None) -> str:
        return localized_field(self, "body", language)


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    id: int
    title: str
    title_zh_hans: str
    message: str
    message_zh_hans: str
    advice: str
    advice_zh_hans: str
    status: str
    eta: datetime | None
    started_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    sla_clocks: str
    categories: frozenset[str]
    assets: frozenset[str]
    networks: frozenset[str]
    latest_update: UpdateFacts | None

    def localized(self, field: str, language: str | None = None) -> str:
        return localized_field(self, field, language)

    @property
    def status_label(self) -> str:
        return str(Incident.Status(self.status).label)

    @property
    def pauses_clocks(self) -> bool:
        return self.sla_clocks == Incident.SlaClocks.PAUSE


def update_facts(update: IncidentUpdate) -> UpdateFacts:
    return UpdateFacts(
        id=update.pk,
        status=update.status,
        eta=update.eta,
        body=update.body,
        body_zh_hans=update.body_zh_hans,
        created_at=update.created_at,
    )


def facts_of(incident: Incident, latest: IncidentUpdate | None) -> IncidentFacts:
    """`incident` with its categories prefetched (or loaded here)."""
    return IncidentFacts(
        id=incident.pk,
        title=incident.title,
        title_zh_hans=incident.title_zh_hans,
        message=incident.message,
        message_zh_hans=incident.message_zh_hans,
        advice=incident.advice,
        advice_zh_hans=incident.advice_zh_hans,
        status=incident.status,
        eta=incident.eta,
        started_at=incident.started_at,
        resolved_at=incident.resolved_at,
        updated_at=incident.updated_at,
        sla_clocks=incident.sla_clocks,
        categories=frozenset(category.code for category in incident.categories.all()),
        assets=frozenset(str(asset).upper() for asset in incident.assets or []),
        networks=frozenset(str(network).lower() for network in incident.networks or []),
        latest_update=update_facts(latest) if latest is not None else None,
    )


def latest_updates(incident_ids: list[int]) -> dict[int, IncidentUpdate]:
    latest: dict[int, IncidentUpdate] = {}
    for update in IncidentUpdate.objects.filter(incident_id__in=incident_ids).order_by("-created_at", "-id"):
        latest.setdefault(update.incident_id, update)
    return latest


def incident_facts(incident: Incident) -> IncidentFacts:
    """One incident's facts with its latest update (`incident` with its categories prefetched)."""
    return facts_of(incident, latest_updates([incident.pk]).get(incident.pk))


def _load(version: str) -> dict[int, IncidentFacts]:
    incidents = list(
        Incident.objects.exclude(status=Incident.Status.RESOLVED).prefetch_related("categories").order_by("-started_at")
    )
    latest = latest_updates([incident.pk for incident in incidents]) if incidents else {}
    return {incident.pk: facts_of(incident, latest.get(incident.pk)) for incident in incidents}


_active = VersionedSnapshot(VERSION_KEY, _load)


def active_incidents() -> dict[int, IncidentFacts]:
    """Unresolved incidents by id, newest first."""
    return _active.get()


def incidents_changed(**_kwargs) -> None:
    _active.bump()


def connect_signals() -> None:
    """From IncidentsConfig.ready(): any save or delete (the services, the admin, a shell) reloads."""
    _active.reload_on_change(Incident, IncidentUpdate)
    m2m_changed.connect(
        incidents_changed, sender=Incident.categories.through, dispatch_uid="incidents.snapshot.categories"
    )
