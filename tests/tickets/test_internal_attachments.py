"""Internal attachments (issue 8, security 5): an agent's working file never reaches the customer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import Attachment

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def upload(api_client, ticket, *, internal: bool | None = None, name="statement.png"):
    data = {"file": SimpleUploadedFile(name, PNG_1X1, content_type="image/png")}
    if internal is not None:
        data["internal"] = "true" if internal else "false"
    return api_client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", data, format="multipart")


@pytest.fixture
def internal_file(api_client, agent, ticket):
    api_client.force_authenticate(agent)
    response = upload(api_client, ticket, internal=True, name="bank-statement.png")
    assert response.status_code == 201 and response.json()["internal"] is True
    api_client.force_authenticate(None)
    return Attachment.objects.get(pk=response.json()["id"])


def test_internal_file_is_absent_from_the_customers_detail(api_client, customer, ticket, internal_file):
    api_client.force_authenticate(customer)

    detail = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()

    assert detail["attachments"] == []
    assert all("bank-statement" not in entry["text"] for entry in detail["timeline"])


def test_internal_file_is_absent_from_the_customers_export(api_client, customer, ticket, internal_file):
    api_client.force_authenticate(customer)

    record = api_client.get(f"/api/v1/tickets/{ticket.reference}/export/").json()

    assert record["attachments"] == []
    assert "bank-statement" not in str(record)


def test_internal_file_url_is_a_404_to_the_customer(api_client, customer, ticket, internal_file):
    api_client.force_authenticate(customer)

    response = api_client.get(f"/api/v1/tickets/{ticket.reference}/attachments/{internal_file.pk}/")

    assert response.status_code == 404


def test_internal_file_stays_visible_to_staff(api_client, other_agent, ticket, internal_file):
    api_client.force_authenticate(other_agent)

    detail = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()
    download = api_client.get(f"/api/v1/tickets/{ticket.reference}/attachments/{internal_file.pk}/")

    assert [a["name"] for a in detail["attachments"]] == ["bank-statement.png"]
    assert download.status_code == 200
    download.close()


def test_a_customers_internal_upload_is_refused(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    response = upload(api_client, ticket, internal=True)

    assert response.status_code == 400
    assert "internal" in response.json()
    assert not Attachment.objects.exists()


def test_an_agents_upload_is_public_unless_marked_internal(api_client, agent, customer, ticket):
    api_client.force_authenticate(agent)
    upload(api_client, ticket)
    api_client.force_authenticate(customer)

    detail = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()

    assert [a["internal"] for a in detail["attachments"]] == [False]
