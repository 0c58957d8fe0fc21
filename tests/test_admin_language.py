import pytest


@pytest.mark.parametrize(
    ("language", "header", "title"),
    [("en", "Exchange Support Desk", "Desk administration"), ("zh-hans", "交易所客户支持中心", "客服中心管理")],
)
def test_the_admin_headings_are_in_the_admin_users_language(admin_client, language, header, title):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert header in page
    assert title in page
