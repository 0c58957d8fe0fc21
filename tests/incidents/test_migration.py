"""Incident moved from tickets to incidents with a state-only migration: same table, and its
content type (so permissions, grants and admin history) moved with it."""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from incidents.models import Incident


def test_the_incident_keeps_its_table(db):
    assert Incident._meta.db_table == "tickets_incident"
    assert "tickets_incident_categories" in connection.introspection.table_names()


def test_the_incident_content_type_belongs_to_the_incidents_app(db):
    assert ContentType.objects.get_for_model(Incident).app_label == "incidents"
    assert not ContentType.objects.filter(app_label="tickets", model="incident").exists()


def test_the_lead_group_keeps_its_incident_permissions(lead):
    lead = Group.objects.get(name="lead")
    assert lead.permissions.filter(content_type__app_label="incidents", codename="change_incident").exists()
