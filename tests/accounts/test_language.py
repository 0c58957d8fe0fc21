from accounts.models import CustomerProfile
from tests.factories import CustomerFactory


def test_language_switch_saves_a_customers_choice(client, db):
    customer = CustomerFactory()
    client.force_login(customer)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert CustomerProfile.objects.get(user=customer).language == "zh-hans"


def test_saved_language_wins_over_the_browser(client, db):
    customer = CustomerFactory(profile__language="zh-hans")
    client.force_login(customer)
    response = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "zh-hans"


def test_browser_language_is_used_when_logged_out(client, db):
    response = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response["Content-Language"] == "zh-hans"


def test_english_is_the_default(client, db):
    response = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "en"


def test_switch_works_for_a_logged_out_visitor(client, db):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/api/v1/categories/")["Content-Language"] == "zh-hans"
