"""`official-contacts/`: who may read and write the list, its 400s, its query budget, its schema."""

import pytest
from django.contrib.admin.models import LogEntry
from rest_framework.test import APIClient

from accounts.models import Role, User
from knowledge.models import OfficialContact
from tests.factories import AgentFactory, CustomerFactory, OfficialContactFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/official-contacts/"


def detail(contact: OfficialContact) -> str:
    return f"{LIST}{contact.pk}/"


def response_count(response) -> int:
    return response.json()["count"]


def as_role(role: str) -> APIClient:
    client = APIClient()
    users = {
        "customer": CustomerFactory,
        "agent": lambda: AgentFactory(role=Role.AGENT),
        "lead": lambda: AgentFactory(role=Role.LEAD),
        "admin": lambda: AgentFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
    }
    if role != "anonymous":
        client.force_authenticate(users[role]())
    return client


ROLES = ["anonymous", "customer", "agent", "lead", "admin"]
# Operation -> expected status per role, in the order of ROLES. Agents read the list (they point
# customers to it); only leads and admins change it.
MATRIX = {
    "list": (401, 403, 200, 200, 200),
    "retrieve": (401, 403, 200, 200, 200),
    "create": (401, 403, 403, 201, 201),
    "update": (401, 403, 403, 200, 200),
    "delete": (401, 403, 403, 204, 204),
}


def send(client: APIClient, operation: str, contact: OfficialContact):
    if operation == "list":
        return client.get(LIST)
    if operation == "retrieve":
        return client.get(detail(contact))
    if operation == "create":
        return client.post(LIST, {"channel": "phone", "value": "+1 800 555 0199"}, format="json")
    if operation == "update":
        return client.patch(detail(contact), {"label": "Support"}, format="json")
    return client.delete(detail(contact))


@pytest.mark.parametrize(
    ("operation", "role", "expected"),
    [(operation, role, codes[index]) for operation, codes in MATRIX.items() for index, role in enumerate(ROLES)],
)
def test_permission_matrix(operation, role, expected):
    contact = OfficialContactFactory()

    assert send(as_role(role), operation, contact).status_code == expected


@pytest.mark.parametrize("operation", ["create", "update", "delete"])
def test_a_refused_write_changes_nothing(operation):
    contact = OfficialContactFactory(label="")

    send(as_role("agent"), operation, contact)

    assert list(OfficialContact.objects.values_list("pk", "label")) == [(contact.pk, "")]
    assert not LogEntry.objects.exists()


# --- What a lead gets back ----------------------------------------------------------------------------


@pytest.fixture
def as_lead() -> APIClient:
    return as_role("lead")


def test_created_contact_is_answered_normalised(as_lead):
    response = as_lead.post(
        LIST, {"channel": "telegram", "value": "https://t.me/DeskHelp", "label": "Help"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("channel", "value", "label", "is_active")} == {
        "channel": "telegram",
        "value": "deskhelp",
        "label": "Help",
        "is_active": True,
    }


def test_patch_deactivates_a_contact(as_lead):
    contact = OfficialContactFactory()

    response = as_lead.patch(detail(contact), {"is_active": False}, format="json")

    assert response.json()["is_active"] is False
    contact.refresh_from_db()
    assert contact.is_active is False


def test_list_filters_by_channel_and_state(as_lead):
    OfficialContactFactory(channel="domain", value="desk.example")
    OfficialContactFactory(channel="domain", value="old.example", is_active=False)
    OfficialContactFactory(channel="email", value="support@desk.example")

    response = as_lead.get(LIST, {"channel": "domain", "is_active": "false"})

    assert [row["value"] for row in response.json()["results"]] == ["old.example"]


def test_list_shows_inactive_contacts_too(as_lead):
    OfficialContactFactory(is_active=False)

    assert response_count(as_lead.get(LIST)) == 1


def test_unknown_contact_is_a_404(as_lead):
    assert as_lead.get(f"{LIST}999999/").status_code == 404


# --- 400s, never a 500 ---------------------------------------------------------------------------------


def test_duplicate_is_a_400_on_value(as_lead):
    OfficialContactFactory(channel="email", value="support@desk.example")

    response = as_lead.post(LIST, {"channel": "email", "value": "Support@Desk.Example"}, format="json")

    assert response.status_code == 400
    assert "value" in response.json()


def test_changing_to_a_listed_value_is_a_400_on_value(as_lead):
    OfficialContactFactory(channel="email", value="support@desk.example")
    other = OfficialContactFactory(channel="email", value="help@desk.example")

    response = as_lead.patch(detail(other), {"value": "SUPPORT@desk.example"}, format="json")

    assert response.status_code == 400
    assert "value" in response.json()


def test_value_that_does_not_fit_its_channel_is_a_400_on_value(as_lead):
    response = as_lead.post(LIST, {"channel": "phone", "value": "call us"}, format="json")

    assert response.status_code == 400
    assert "value" in response.json()


def test_unknown_channel_is_a_400_on_channel(as_lead):
    response = as_lead.post(LIST, {"channel": "whatsapp", "value": "+18005550199"}, format="json")

    assert response.status_code == 400
    assert "channel" in response.json()


def test_unknown_field_is_a_400(as_lead):
    response = as_lead.post(LIST, {"channel": "email", "value": "a@desk.example", "official": True}, format="json")

    assert response.status_code == 400
    assert "official" in response.json()


def test_missing_value_is_a_400_on_value(as_lead):
    response = as_lead.post(LIST, {"channel": "email"}, format="json")

    assert response.status_code == 400
    assert "value" in response.json()


@pytest.mark.parametrize("query", [{"channel": "fax"}, {"is_active": "maybe"}])
def test_bad_filter_is_a_400(as_lead, query):
    assert as_lead.get(LIST, query).status_code == 400


# --- Query budget ----------------------------------------------------------------------------------------

# The caller's role, the count, the page: the same with a full page as with a few rows.
LIST_QUERIES = 3


def test_list_costs_the_same_with_a_full_page(django_assert_num_queries):
    lead = AgentFactory(role=Role.LEAD)
    client = APIClient()
    OfficialContactFactory.create_batch(3)
    client.force_authenticate(User.objects.get(pk=lead.pk))  # the role is cached on the user: read it again
    with django_assert_num_queries(LIST_QUERIES):
        assert response_count(client.get(LIST)) == 3

    OfficialContactFactory.create_batch(60)
    client.force_authenticate(User.objects.get(pk=lead.pk))
    with django_assert_num_queries(LIST_QUERIES):
        assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 50


# --- The OpenAPI schema --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        (LIST, "get", {"200", "400", "401", "403"}),
        (LIST, "post", {"201", "400", "401", "403"}),
        ("/api/v1/official-contacts/{id}/", "get", {"200", "401", "403", "404"}),
        ("/api/v1/official-contacts/{id}/", "patch", {"200", "400", "401", "403", "404"}),
        ("/api/v1/official-contacts/{id}/", "delete", {"204", "401", "403", "404"}),
    ],
)
def test_schema_documents_the_endpoints(schema, path, method, codes):
    assert set(schema["paths"][path][method]["responses"]) >= codes


def test_schema_documents_the_contacts_the_public_check_lists(schema):
    response = schema["paths"]["/api/v1/verify-contact/"]["post"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/VerifyContactResult"}
