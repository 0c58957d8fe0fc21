"""Input that used to reach a view (or Django's HTML error page) and now gets a clear 4xx.

Issue 8, security item 7 and "Never a 500": bodies over the size limit, invisible and bidi-override
text, deep JSON, NUL characters, over-long URLs, hand-made page numbers and cursors.
"""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import TicketFactory

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
RLO = "\u202e"


@pytest.fixture
def as_customer(api_client, customer):
    api_client.force_authenticate(customer)
    return api_client


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def ticket_payload(**overrides) -> dict:
    return {
        "category": "withdrawal_delayed",
        "subject": "USDT withdrawal missing",
        "body": "Sent yesterday, not arrived.",
        "asset": "USDT",
        "network": "tron",
        "amount": "120.5",
        **overrides,
    }


def _cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- bodies over the limit: JSON 413 ---------------------------------------------------------------------


def test_json_body_over_the_limit_is_a_json_413(as_customer, category, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = as_customer.post("/api/v1/tickets/", ticket_payload(body="x" * 20_000), format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_upload_over_the_attachment_limit_is_refused_before_it_is_read(as_customer, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 1_000
    big = SimpleUploadedFile("proof.png", PNG_1X1 + b"\0" * 100_000, content_type="image/png")
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": big}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_multipart_form_field_over_djangos_limit_is_a_json_413_not_an_html_page(as_customer, ticket, settings):
    # Under the multipart limit as a whole, but one text field is over DATA_UPLOAD_MAX_MEMORY_SIZE:
    # Django raises RequestDataTooBig while parsing, which used to become its HTML 400 page.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    upload = SimpleUploadedFile("proof.png", PNG_1X1, content_type="image/png")
    response = as_customer.post(
        f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload, "note": "x" * 5_000}, format="multipart"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_content_length_that_is_not_a_number_is_a_400(as_customer, category):
    response = as_customer.post("/api/v1/tickets/", ticket_payload(), format="json", CONTENT_LENGTH="ten")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_content_length"


# --- subjects and file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["\u200b\u200b\u200b", "\u200d\ufeff\u2060", " \u3000\u200b ", "\u3164\u3164", "\u202a\u202c", "\u00ad\u034f"],
    ids=["zero-width-spaces", "joiners-and-bom", "spaces-and-zero-width", "hangul-filler", "bidi-only", "soft-hyphen"],
)
def test_subject_of_invisible_characters_only_is_a_400_naming_subject(as_customer, category, subject):
    response = as_customer.post("/api/v1/tickets/", ticket_payload(subject=subject), format="json")
    assert response.status_code == 400
    assert "subject" in response.json()


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_subject_with_a_bidi_control_is_a_400_naming_subject(as_customer, category, control):
    response = as_customer.post("/api/v1/tickets/", ticket_payload(subject=f"Refund {control}dnufer"), format="json")
    assert response.status_code == 400
    assert "subject" in response.json()


def test_guest_subject_with_a_bidi_override_is_a_400_naming_subject(api_client, category):
    response = api_client.post(
        "/api/v1/guest/tickets/", ticket_payload(subject=f"Help {RLO}txt.exe", email="guest@example.com"), format="json"
    )
    assert response.status_code == 400
    assert "subject" in response.json()


def test_subject_in_a_right_to_left_language_is_accepted(as_customer, category):
    response = as_customer.post("/api/v1/tickets/", ticket_payload(subject="سحب USDT مفقود"), format="json")
    assert response.status_code == 201


def test_file_name_with_a_bidi_override_is_a_400_naming_file(as_customer, ticket):
    upload = SimpleUploadedFile(f"invoice{RLO}gnp.exe", PNG_1X1, content_type="image/png")
    response = as_customer.post(
        f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


def test_file_name_invisible_before_its_extension_is_a_400_naming_file(as_customer, ticket):
    upload = SimpleUploadedFile("\u200b\u200b.png", PNG_1X1, content_type="image/png")
    response = as_customer.post(
        f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


# --- JSON depth and NUL ---------------------------------------------------------------------------------


def test_json_nested_far_too_deep_is_a_400_not_a_recursion_error(as_customer, category):
    deep = "[" * 100_000 + "]" * 100_000
    response = as_customer.post("/api/v1/tickets/", deep, content_type="application/json")
    assert response.status_code == 400


def test_json_nested_deeper_than_64_levels_is_a_400(as_customer, category):
    body = ticket_payload(fields=json.loads("[" * 65 + "]" * 65))
    response = as_customer.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400
    assert "64" in response.json()["detail"]


# --- the URL: NUL characters and length -------------------------------------------------------------


def test_nul_in_a_query_parameter_is_a_400(api_client, db):
    # On PostgreSQL this reached the incident filter and failed there ("cannot contain NUL").
    response = api_client.get("/api/v1/incidents/?category=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "null_character"


def test_nul_in_a_search_box_is_a_400(api_client, db):
    assert api_client.get("/api/v1/articles/?q=wallet%00").status_code == 400


def test_raw_nul_byte_in_the_query_string_is_a_400(api_client, db):
    assert api_client.get("/api/v1/incidents/", QUERY_STRING="category=\x00").status_code == 400


def test_nul_in_the_path_is_a_400(as_customer, db):
    assert as_customer.get("/api/v1/tickets/SD-%00/").status_code == 400


def test_nul_in_a_page_address_is_a_plain_400(client, db):
    response = client.get("/articles/?q=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_url_over_the_limit_is_a_414(api_client, db, settings):
    response = api_client.get("/api/v1/articles/?q=" + "x" * settings.MAX_URL_LENGTH)
    assert response.status_code == 414


# --- page numbers and cursors -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "٣", "99999999999999999999"])
def test_page_that_is_not_a_whole_number_from_1_is_a_400_naming_page(as_customer, ticket, page):
    response = as_customer.get(f"/api/v1/tickets/?page={page}")
    assert response.status_code == 400
    assert "page" in response.json()


def test_page_past_the_last_is_a_404(as_customer, ticket):
    assert as_customer.get("/api/v1/tickets/?page=2").status_code == 404


def test_last_page_is_served(as_customer, ticket):
    assert as_customer.get("/api/v1/tickets/?page=last").status_code == 200


@pytest.mark.parametrize(
    "values",
    [
        ["x", "y", "z"],
        ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 10**30],
        ["9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00Z", 1],
        [None, None, None],
        [{"a": 1}, [], True],
    ],
    ids=["strings-for-times", "id-past-bigint", "time-past-year-9999", "nulls", "objects"],
)
def test_cursor_whose_values_do_not_fit_the_sort_key_is_a_400(as_agent, category, values):
    TicketFactory(category=category)
    response = as_agent.get(f"/api/v1/queue/?cursor={_cursor(values)}")
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize("cursor", ["garbage", "%E2%80%AE", "A" * 5000, _cursor({"not": "a list"})])
def test_cursor_that_is_not_ours_is_a_400(as_agent, category, cursor):
    response = as_agent.get(f"/api/v1/queue/?cursor={cursor}")
    assert response.status_code == 400


# --- odd routes ------------------------------------------------------------------------------------


def test_options_on_the_api_docs_page_is_a_405_not_a_500(db):
    assert Client(raise_request_exception=False).options("/api/docs/?page=0").status_code == 405


def test_format_suffix_twins_of_ticket_actions_are_gone(as_customer, ticket):
    # /tickets/duplicates.json/ used to call a view that takes no `format` argument: a TypeError.
    assert as_customer.get("/api/v1/tickets/duplicates.json/?category=other").status_code == 404
