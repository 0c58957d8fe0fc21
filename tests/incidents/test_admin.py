"""The incident admin saves through incidents.services: the service's message on the field, one
LogEntry with the admin's own change message."""

import json

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

from incidents.models import Incident, IncidentLink, IncidentUpdate
from tests.factories import IncidentFactory, TicketFactory

ADD = "/admin/incidents/incident/add/"


def incident_post(**fields) -> dict:
    data = {
        "title": "BTC withdrawals delayed",
        "message": "Congestion.",
        "status": "investigating",
        "sla_clocks": "keep",
        "assets": "[]",
        "networks": "[]",
        "started_at_0": "2026-03-02",
        "started_at_1": "09:00:00",
    }
    data.update(fields)
    return data


def test_the_admin_refuses_a_resolution_before_the_start_with_the_services_message(lead_client):
    fields = {"status": "resolved", "resolved_at_0": "2026-03-02", "resolved_at_1": "08:00:00"}
    response = lead_client.post(ADD, incident_post(**fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"resolved_at": ["An incident cannot be resolved before it started."]}
    assert not Incident.objects.exists()


def test_adding_an_incident_in_the_admin_writes_one_addition_log_entry(lead_client, lead, category):
    response = lead_client.post(ADD, incident_post(categories=[str(category.pk)]))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert list(incident.categories.all()) == [category]
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (lead, str(incident.pk), ADDITION)
    assert json.loads(entry.change_message) == [{"added": {}}]


def test_resolving_in_the_admin_sets_the_time_and_logs_the_change(lead_client):
    incident = IncidentFactory(title="BTC withdrawals delayed")
    response = lead_client.post(f"/admin/incidents/incident/{incident.pk}/change/", incident_post(status="resolved"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED and incident.resolved_at is not None
    # The form's other fields (their own entry) and the status with its public update.
    entries = list(LogEntry.objects.all())
    assert {entry.action_flag for entry in entries} == {CHANGE}
    parts = [part for entry in entries for part in json.loads(entry.change_message)]
    assert any("Status" in part.get("changed", {}).get("fields", []) for part in parts)


def test_resolving_in_the_admin_is_the_desks_public_resolution(lead_client):
    # The same service path as the desk's: a public update, so the linked customers are told and
    # the clocks a 'pause' incident held are released by its broadcast.
    incident = IncidentFactory(title="BTC withdrawals delayed")
    lead_client.post(f"/admin/incidents/incident/{incident.pk}/change/", incident_post(status="resolved"))
    update = IncidentUpdate.objects.get(incident=incident)
    assert update.status == Incident.Status.RESOLVED and update.body and update.body_zh_hans


@pytest.mark.parametrize("model", ["incidentupdate", "incidentlink"])
def test_the_admin_lists_incident_updates_and_links_with_their_filters(admin_client, model):
    incident = IncidentFactory(title="BTC withdrawals delayed")
    IncidentUpdate.objects.create(
        incident=incident, status="identified", body="Found it.", created_at=incident.started_at
    )
    IncidentLink.objects.create(incident=incident, ticket=TicketFactory(), rule="manual", linked_at=incident.started_at)
    response = admin_client.get(f"/admin/incidents/{model}/", {"incident__id__exact": incident.pk})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert response.context["cl"].has_filters


@pytest.mark.parametrize("model", ["incidentupdate", "incidentlink"])
def test_incident_updates_and_links_cannot_be_added_or_changed_in_the_admin(admin_client, model):
    incident = IncidentFactory()
    update = IncidentUpdate.objects.create(
        incident=incident, status="identified", body="x", created_at=incident.started_at
    )
    link = IncidentLink.objects.create(
        incident=incident, ticket=TicketFactory(), rule="manual", linked_at=incident.started_at
    )
    row = update if model == "incidentupdate" else link
    assert admin_client.get(f"/admin/incidents/{model}/add/").status_code == 403
    page = admin_client.get(f"/admin/incidents/{model}/{row.pk}/change/")
    assert page.status_code == 200  # the record, read-only
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/incidents/{model}/{row.pk}/change/", {}).status_code == 403
