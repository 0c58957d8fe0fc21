"""Branded 404, 403 and 500 pages (DEBUG off, as in production), in the portal's look, with the
contact control every portal page has; the API keeps answering in JSON."""

import html

import pytest
from django.template import loader
from django.test import Client
from django.utils import translation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


def text(response) -> str:
    return html.unescape(response.content.decode())


def assert_branded(page: str) -> None:
    assert 'class="site-header"' in page
    assert "portal/portal.css" in page
    assert "data-contact-support" in page
    assert "Exchange Support" in page


def test_unknown_page_gets_the_branded_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert_branded(page)
    assert "We couldn't find that page" in page
    assert "Error 404" in page


def test_404_for_a_logged_in_customer_links_to_a_new_ticket(client, customer):
    client.force_login(customer)
    page = text(client.get("/no-such-page/"))
    assert 'href="/tickets/new/"' in page


def test_404_is_in_chinese_for_a_chinese_browser(client):
    response = client.get("/no-such-page/", headers={"accept-language": "zh-hans"})
    assert response.status_code == 404
    page = text(response)
    assert '<html lang="zh-hans">' in page
    assert "data-contact-support" in page


def test_forbidden_page_gets_the_branded_403(client):
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    page = text(response)
    assert_branded(page)
    assert "You can't open this page" in page


def test_server_error_gets_the_branded_500():
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    page = text(response)
    assert_branded(page)
    assert "Something went wrong on our side" in page


def test_500_page_renders_with_no_context_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = html.unescape(loader.get_template("500.html").render())
    assert_branded(page)
    assert "Error 500" in page


def test_500_page_renders_in_chinese_with_no_context():
    with translation.override("zh-hans"):
        page = loader.get_template("500.html").render()
    assert '<html lang="zh-hans">' in page


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_api_server_error_answers_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/test-errors/500/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
