"""The official-contacts list's services (knowledge.services), and the admin that calls them."""

import json

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from accounts.models import Role
from knowledge import services
from knowledge.exceptions import OfficialContactForbidden, OfficialContactInvalid
from knowledge.models import OfficialContact
from tests.factories import AgentFactory, OfficialContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return AgentFactory(role=Role.LEAD)


def add(actor, channel: str, value: str, **extra) -> OfficialContact:
    return services.official_contact_create(actor=actor, channel=channel, value=value, **extra)


def log_entries(contact_id: int):
    content_type = ContentType.objects.get_for_model(OfficialContact)
    return LogEntry.objects.filter(content_type=content_type, object_id=str(contact_id)).order_by("pk")


# --- Normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "typed", "stored"),
    [
        ("email", " Support@Desk.Example ", "support@desk.example"),
        ("email", "mailto:help@desk.example", "help@desk.example"),
        ("telegram", "@ExchangeSupport", "exchangesupport"),
        ("telegram", "https://t.me/ExchangeSupport/?start=1", "exchangesupport"),
        ("telegram", "exchangesupport", "exchangesupport"),
        ("phone", "+1 (800) 555-0199", "18005550199"),
        ("phone", "＋１ ８００ ５５５ ０１９９", "18005550199"),  # a Chinese input method's full-width digits
        ("domain", "https://www.Desk.Example/login?next=/", "desk.example"),
        ("domain", "help.desk.example.", "help.desk.example"),
    ],
)
def test_value_is_stored_normalised_for_its_channel(lead, channel, typed, stored):
    assert add(lead, channel, typed).value == stored


@pytest.mark.parametrize(
    ("channel", "typed"),
    [
        ("email", "desk.example"),
        ("telegram", "@abc"),  # Telegram usernames have at least 5 characters
        ("telegram", "@support-desk"),
        ("phone", "0800 DESK"),
        ("phone", "12345"),
        ("domain", "support@desk.example"),
        ("domain", "localhost"),
        ("domain", "exämple.com"),
        ("domain", "http://["),
    ],
)
def test_value_that_does_not_fit_its_channel_is_an_error_on_value(lead, channel, typed):
    with pytest.raises(OfficialContactInvalid) as error:
        add(lead, channel, typed)
    assert error.value.field == "value"
    assert not OfficialContact.objects.exists()


def test_unknown_channel_is_an_error_on_channel(lead):
    with pytest.raises(OfficialContactInvalid) as error:
        add(lead, "whatsapp", "+18005550199")
    assert error.value.field == "channel"


def test_stored_value_is_what_the_public_check_finds(lead):
    add(lead, "telegram", "https://t.me/DeskHelp")

    assert services.verify_contact(contact="@deskhelp")["official"] is True


# --- Duplicates ----------------------------------------------------------------------------------------


def test_duplicate_after_normalisation_is_an_error_on_value(lead):
    add(lead, "email", "support@desk.example")

    with pytest.raises(OfficialContactInvalid) as error:
        add(lead, "email", "SUPPORT@desk.example")
    assert error.value.field == "value"
    assert OfficialContact.objects.count() == 1


def test_the_same_value_on_another_channel_is_no_duplicate(lead):
    add(lead, "domain", "desk.example")

    assert add(lead, "email", "desk.example@desk.example").channel == "email"


def test_changing_a_contact_to_a_listed_value_is_an_error_on_value(lead):
    add(lead, "phone", "+18005550199")
    other = add(lead, "phone", "+18005550100")

    with pytest.raises(OfficialContactInvalid) as error:
        services.official_contact_update(contact=other, actor=lead, changes={"value": "1 800 555 0199"})
    assert error.value.field == "value"
    other.refresh_from_db()
    assert other.value == "18005550100"


def test_saving_a_contact_with_its_own_value_is_no_duplicate(lead):
    contact = add(lead, "email", "support@desk.example")

    saved = services.official_contact_update(contact=contact, actor=lead, changes={"value": "Support@Desk.Example"})

    assert saved.value == "support@desk.example"


def test_a_duplicate_saved_at_the_same_moment_is_an_error_not_a_crash(lead):
    # The check ran before the other writer committed; the unique constraint has the last word.
    OfficialContactFactory(channel="email", value="support@desk.example")
    contact = OfficialContact(channel="email", value="support@desk.example")

    with pytest.raises(OfficialContactInvalid) as error:
        services._save(contact)
    assert error.value.field == "value"


# --- Changes -------------------------------------------------------------------------------------------


def test_a_new_channel_reads_the_stored_value_again(lead):
    contact = add(lead, "domain", "deskhelp.example")

    with pytest.raises(OfficialContactInvalid):
        services.official_contact_update(contact=contact, actor=lead, changes={"channel": "phone"})


def test_deactivated_contact_is_no_longer_official(lead):
    contact = add(lead, "telegram", "@ExchangeSupport")

    services.official_contact_update(contact=contact, actor=lead, changes={"is_active": False})

    assert services.verify_contact(contact="@exchangesupport")["official"] is False


def test_deleted_contact_is_gone(lead):
    contact = add(lead, "telegram", "@ExchangeSupport")

    services.official_contact_delete(contact=contact, actor=lead)

    assert not OfficialContact.objects.exists()


# --- Who may write ---------------------------------------------------------------------------------------


def test_agent_may_not_add_a_contact():
    with pytest.raises(OfficialContactForbidden):
        add(AgentFactory(), "email", "support@desk.example")
    assert not OfficialContact.objects.exists()


def test_agent_may_not_change_a_contact():
    contact = OfficialContactFactory()

    with pytest.raises(OfficialContactForbidden):
        services.official_contact_update(contact=contact, actor=AgentFactory(), changes={"is_active": False})


def test_agent_may_not_delete_a_contact():
    contact = OfficialContactFactory()

    with pytest.raises(OfficialContactForbidden):
        services.official_contact_delete(contact=contact, actor=AgentFactory())
    assert OfficialContact.objects.filter(pk=contact.pk).exists()


def test_admin_may_add_a_contact():
    admin = AgentFactory(role=Role.ADMIN)

    assert add(admin, "email", "support@desk.example").pk is not None


# --- The audit record ------------------------------------------------------------------------------------


def test_adding_a_contact_is_recorded(lead):
    contact = add(lead, "email", "support@desk.example")

    [entry] = log_entries(contact.pk)
    assert (entry.user_id, entry.action_flag) == (lead.pk, ADDITION)


def test_a_change_is_recorded_with_the_fields_changed(lead):
    contact = add(lead, "email", "support@desk.example")

    services.official_contact_update(contact=contact, actor=lead, changes={"label": "Support", "is_active": False})

    entry = log_entries(contact.pk).last()
    assert entry.action_flag == CHANGE
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Label", "Active"]}}]


def test_a_deletion_is_recorded(lead):
    contact = add(lead, "email", "support@desk.example")
    contact_id = contact.pk

    services.official_contact_delete(contact=contact, actor=lead)

    entry = log_entries(contact_id).last()
    assert (entry.user_id, entry.action_flag) == (lead.pk, DELETION)


def test_a_refused_write_records_nothing():
    with pytest.raises(OfficialContactForbidden):
        add(AgentFactory(), "email", "support@desk.example")
    assert not LogEntry.objects.exists()


# --- The public check --------------------------------------------------------------------------------------


@pytest.fixture
def listed(lead):
    add(lead, "email", "support@desk.example", label="Support e-mail")
    add(lead, "domain", "desk.example", label="Our website")
    add(lead, "telegram", "exchangesupport", label="Telegram support")
    add(lead, "telegram", "oldsupport", is_active=False)
    add(lead, "phone", "+18005550199")


def test_not_official_lists_the_active_contacts_of_its_channel(listed):
    result = services.verify_contact(contact="@exchange_support_help")

    assert result["official"] is False
    assert result["official_contacts"] == [
        {"channel": "telegram", "value": "exchangesupport", "label": "Telegram support"}
    ]


def test_not_official_email_lists_the_addresses_and_the_domains(listed):
    result = services.verify_contact(contact="support@desk-example.com")

    assert {(c["channel"], c["value"]) for c in result["official_contacts"]} == {
        ("email", "support@desk.example"),
        ("domain", "desk.example"),
    }


def test_official_names_the_contact_it_matched_and_lists_nothing(listed):
    result = services.verify_contact(contact="anyone@desk.example")

    assert result["match"] == {"channel": "domain", "value": "desk.example", "label": "Our website"}
    assert result["official_contacts"] == []


def test_a_link_that_cannot_be_read_is_not_official(listed):
    assert services.verify_contact(contact="http://[desk.example")["official"] is False


# --- The Django admin calls the same services ----------------------------------------------------------------


@pytest.fixture
def admin_client(lead_client):
    return lead_client  # the admin as a lead uses it


ADD_URL = "/admin/knowledge/officialcontact/add/"


def test_admin_stores_the_value_normalised_and_records_it_once(admin_client, lead):
    response = admin_client.post(
        ADD_URL, {"channel": "email", "value": "Support@Desk.Example", "label": "", "is_active": "on"}
    )

    assert response.status_code == 302
    contact = OfficialContact.objects.get()
    assert contact.value == "support@desk.example"
    assert [(e.user_id, e.action_flag) for e in log_entries(contact.pk)] == [(lead.pk, ADDITION)]


def test_admin_shows_a_duplicate_at_the_value_field(admin_client):
    OfficialContactFactory(channel="email", value="support@desk.example")

    response = admin_client.post(ADD_URL, {"channel": "email", "value": "SUPPORT@desk.example", "is_active": "on"})

    assert response.status_code == 200
    assert "value" in response.context["adminform"].form.errors
    assert OfficialContact.objects.count() == 1


def test_admin_shows_a_value_that_does_not_fit_at_the_value_field(admin_client):
    response = admin_client.post(ADD_URL, {"channel": "phone", "value": "call us", "is_active": "on"})

    assert "value" in response.context["adminform"].form.errors


def test_admin_change_is_recorded_once(admin_client, lead):
    contact = OfficialContactFactory(channel="email", value="support@desk.example")

    admin_client.post(
        f"/admin/knowledge/officialcontact/{contact.pk}/change/",
        {"channel": "email", "value": "support@desk.example", "label": "Support", "is_active": "on"},
    )

    assert [(e.action_flag, e.get_change_message()) for e in log_entries(contact.pk)] == [(CHANGE, "Changed Label.")]


def test_admin_deletion_is_recorded_once(admin_client, lead):
    contact = OfficialContactFactory()
    contact_id = contact.pk

    admin_client.post(f"/admin/knowledge/officialcontact/{contact_id}/delete/", {"post": "yes"})

    assert not OfficialContact.objects.exists()
    assert list(log_entries(contact_id).values_list("action_flag", flat=True)) == [DELETION]


def test_admin_refuses_staff_who_hold_the_permission_but_are_not_leads(client):
    agent = AgentFactory()
    agent.is_staff = True
    agent.save()
    agent.user_permissions.add(*Permission.objects.filter(codename__endswith="_officialcontact"))
    client.force_login(agent)

    assert client.get(ADD_URL).status_code == 403
