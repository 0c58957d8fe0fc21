import pytest

from knowledge.models import Article, OfficialContact


@pytest.fixture
def articles(db, category):
    Article.objects.create(
        slug="withdrawal-delayed",
        title="Why is my withdrawal delayed?",
        body="Withdrawals are **held** for 24 hours after a password change.",
        category=category,
        is_published=True,
    )
    Article.objects.create(
        slug="withdrawal-delayed-zh",
        title="为什么我的提现延迟了？",
        body="修改密码后，提现会被暂停 24 小时。",
        language="zh-hans",
        is_published=True,
    )
    Article.objects.create(slug="draft", title="Withdrawal draft", body="secret", is_published=False)


def slugs(response):
    return [a["slug"] for a in response.json()["results"]]


def test_search_finds_english_words(client, articles):
    assert slugs(client.get("/api/v1/articles/", {"q": "my withdrawal is stuck"})) == ["withdrawal-delayed"]


def test_search_finds_chinese_words(client, articles):
    assert slugs(client.get("/api/v1/articles/", {"q": "提现延迟"})) == ["withdrawal-delayed-zh"]


def test_unpublished_articles_are_never_listed(client, articles):
    assert "draft" not in slugs(client.get("/api/v1/articles/", {"q": "withdrawal draft"}))


def test_unpublished_article_is_404(client, articles):
    assert client.get("/api/v1/articles/draft/").status_code == 404


def test_article_body_is_rendered_markdown(client, articles):
    body = client.get("/api/v1/articles/withdrawal-delayed/").json()["body_html"]
    assert "<strong>held</strong>" in body


def test_script_in_an_article_is_made_inert(client, db):
    Article.objects.create(
        slug="x", title="x", body="Hi <script>alert(1)</script> [a](javascript:alert(1))", is_published=True
    )
    body = client.get("/api/v1/articles/x/").json()["body_html"]
    assert "<script" not in body
    assert "javascript:" not in body


def test_vote_counts_helpful(client, articles):
    response = client.post(
        "/api/v1/articles/withdrawal-delayed/vote/", {"helpful": True}, content_type="application/json"
    )
    assert response.json()["helpful"] == 1


def test_vote_needs_a_boolean(client, articles):
    response = client.post(
        "/api/v1/articles/withdrawal-delayed/vote/", {"helpful": "maybe"}, content_type="application/json"
    )
    assert response.status_code == 400


@pytest.fixture
def contacts(db):
    OfficialContact.objects.create(channel="email", value="support@desk.example")
    OfficialContact.objects.create(channel="domain", value="desk.example")
    OfficialContact.objects.create(channel="telegram", value="exchangesupport")


@pytest.mark.parametrize(
    ("contact", "official"),
    [
        ("support@desk.example", True),
        ("SUPPORT@DESK.EXAMPLE", True),
        ("anyone@desk.example", True),
        ("https://www.desk.example/login", True),
        ("help.desk.example", True),
        ("@ExchangeSupport", True),
        ("https://t.me/exchangesupport", True),
        ("support@desk-example.com", False),
        ("desk.example.evil.com", False),
        ("@ExchangeSupport_Help", False),
        ("+1 800 555 0100", False),
    ],
)
def test_verify_contact(client, contacts, contact, official):
    response = client.post("/api/v1/verify-contact/", {"contact": contact}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["official"] is official


def test_verify_contact_needs_a_contact(client, db):
    assert client.post("/api/v1/verify-contact/", {}, content_type="application/json").status_code == 400
