import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/tickets/", "post", {"201", "400", "401", "429"}),
        ("/api/v1/tickets/{reference}/", "get", {"200", "401", "404"}),
        ("/api/v1/tickets/{reference}/", "patch", {"200", "400", "401", "403", "404", "409"}),
        ("/api/v1/tickets/{reference}/claim/", "post", {"200", "401", "403", "404", "409"}),
        ("/api/v1/tickets/{reference}/messages/", "post", {"201", "400", "401", "404", "409", "429"}),
        ("/api/v1/tickets/{reference}/attachments/", "post", {"201", "400", "401", "404", "409", "429"}),
        ("/api/v1/queue/", "get", {"200", "400", "401", "403"}),
    ],
)
def test_schema_documents_every_status_code(schema, path, method, codes):
    assert set(schema["paths"][path][method]["responses"]) >= codes


def test_api_docs_page_is_served_without_internet(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content


def test_api_root_lists_where_to_start(client):
    body = client.get("/api/v1/").json()
    assert body["docs"].endswith("/api/docs/")
    assert body["tickets"].endswith("/api/v1/tickets/")


# --- what the framework around the views answers (support_desk.openapi) -------------------------------


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def test_every_operation_with_parameters_documents_400_and_414(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if operation.get("parameters") and not {"400", "414"} <= set(operation["responses"])
    ]
    assert missing == []


def test_every_operation_with_a_body_documents_400_413_and_415(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if "requestBody" in operation and not {"400", "413", "415"} <= set(operation["responses"])
    ]
    assert missing == []


def test_paginated_lists_document_404_for_a_page_past_the_last(schema):
    assert "404" in schema["paths"]["/api/v1/tickets/"]["get"]["responses"]
    assert "404" in schema["paths"]["/api/v1/articles/"]["get"]["responses"]


def test_public_operations_that_read_a_token_document_401(schema):
    # A bad or expired token is refused even where no login is needed.
    assert "401" in schema["paths"]["/api/v1/categories/"]["get"]["responses"]


def test_page_parameter_starts_at_1(schema):
    page = next(p for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["minimum"] == 1


@pytest.mark.parametrize("component", ["Ticket", "TicketDetail"])
def test_staff_only_ticket_fields_are_not_required(schema, component):
    required = set(schema["components"]["schemas"][component].get("required", []))
    assert required.isdisjoint({"requester", "team", "sla_clocks", "sla_due_at", "sla_breached", "breached_metrics"})


@pytest.mark.parametrize(
    ("component", "field"),
    [("Ticket", "possible_duplicate_of"), ("TicketDetail", "possible_duplicate_of"), ("ArticleList", "category")],
)
def test_relations_that_may_be_empty_are_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True
