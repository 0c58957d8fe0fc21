import pytest
from django.test import Client


@pytest.fixture
def admin_browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    ("language", "header", "title"),
    [("en", "Exchange Support Desk", "Desk administration"), ("zh-hans", "交易所客户支持中心", "客服中心管理")],
)
def test_the_admin_headings_are_in_the_admin_users_language(admin_browser, language, header, title):
    page = admin_browser.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert header in page
    assert title in page
