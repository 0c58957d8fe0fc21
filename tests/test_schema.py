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
