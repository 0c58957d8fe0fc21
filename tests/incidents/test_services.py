"""incidents.services: the rules every caller (the admin, later the API) gets, and its LogEntry."""

import json
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError

from incidents.models import Incident
from incidents.services import incident_create, incident_update
from tests.factories import FIXED_NOW, IncidentFactory

FIELDS = {"title": "BTC withdrawals delayed", "message": "Congestion.", "started_at": FIXED_NOW}


def test_a_resolved_incident_without_a_time_is_resolved_now(lead):
    later = FIXED_NOW + timedelta(hours=2)
    incident = incident_create(actor=lead, fields={**FIELDS, "status": Incident.Status.RESOLVED}, now=later)
    assert incident.resolved_at == later


def test_an_unresolved_incident_has_no_resolution_time(lead):
    fields = {**FIELDS, "status": Incident.Status.MONITORING, "resolved_at": FIXED_NOW + timedelta(hours=1)}
    incident = incident_create(actor=lead, fields=fields, now=FIXED_NOW)
    assert incident.resolved_at is None


def test_an_incident_cannot_be_resolved_before_it_started(lead):
    fields = {**FIELDS, "status": Incident.Status.RESOLVED, "resolved_at": FIXED_NOW - timedelta(minutes=1)}
    with pytest.raises(ValidationError) as error:
        incident_create(actor=lead, fields=fields, now=FIXED_NOW)
    assert error.value.message_dict == {"resolved_at": ["An incident cannot be resolved before it started."]}
    assert not Incident.objects.exists()


def test_creating_an_incident_writes_an_addition_log_entry(lead, category):
    incident = incident_create(actor=lead, fields=FIELDS, categories=[category], now=FIXED_NOW)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.action_flag) == (lead, str(incident.pk), ADDITION)
    assert list(incident.categories.all()) == [category]


def test_updating_an_incident_logs_the_fields_that_changed(lead):
    incident = IncidentFactory()
    incident_update(actor=lead, incident=incident, fields={"title": "BTC withdrawals paused"}, now=FIXED_NOW)
    entry = LogEntry.objects.get()
    assert entry.action_flag == CHANGE
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Title"]}}]


def test_a_status_changed_by_an_update_is_a_public_update_logged_once(lead):
    incident = IncidentFactory()
    incident_update(actor=lead, incident=incident, fields={"status": Incident.Status.IDENTIFIED}, now=FIXED_NOW)
    entry = LogEntry.objects.get()
    assert {"changed": {"fields": ["Status"]}} in json.loads(entry.change_message)
    assert incident.updates.get().status == Incident.Status.IDENTIFIED


def test_reopening_a_resolved_incident_clears_its_resolution_time(lead):
    incident = IncidentFactory(status=Incident.Status.RESOLVED, resolved_at=FIXED_NOW + timedelta(hours=1))
    incident = incident_update(
        actor=lead, incident=incident, fields={"status": Incident.Status.MONITORING}, now=FIXED_NOW
    )
    incident.refresh_from_db()
    assert incident.resolved_at is None


def test_an_update_that_breaks_the_rule_changes_nothing(lead):
    incident = IncidentFactory(status=Incident.Status.RESOLVED, resolved_at=FIXED_NOW + timedelta(hours=1))
    with pytest.raises(ValidationError):
        incident_update(
            actor=lead, incident=incident, fields={"started_at": FIXED_NOW + timedelta(hours=2)}, now=FIXED_NOW
        )
    incident.refresh_from_db()
    assert incident.started_at == FIXED_NOW
    assert not LogEntry.objects.exists()
