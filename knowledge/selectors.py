"""Help-center search: PostgreSQL full text for English, trigram similarity for Chinese (Debian's
PostgreSQL has no Chinese parser), a plain word match on SQLite."""

import re

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When

from .models import Article, OfficialContact

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(is_published=True).select_related("category")


def official_contacts(*, channel: str | None = None, is_active: bool | None = None) -> QuerySet[OfficialContact]:
    """The official-contacts list as leads keep it (inactive ones too), by channel and value."""
    contacts = OfficialContact.objects.order_by("channel", "value", "pk")
    if channel:
        contacts = contacts.filter(channel=channel)
    if is_active is not None:
        contacts = contacts.filter(is_active=is_active)
    return contacts


def _words(query: str) -> list[str]:
    return [w for w in WORD.findall(query) if len(w) > 1 or CJK.match(w)][:MAX_WORDS]


def _cjk_terms(query: str) -> list[str]:
    """Chinese has no spaces: search on runs of characters, and their two-character pieces."""
    terms = []
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", query):
        terms.append(run)
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(terms))[:MAX_WORDS]


def article_search(*, query: str = "", language: str | None = None, category: str | None = None) -> QuerySet[Article]:
    articles = published_articles()
    if language:
        articles = articles.filter(language=language)
    if category:
        articles = articles.filter(category__code=category)
    query = (query or "").strip()[:300]
    if not query:
        return articles
    if CJK.search(query):
        terms = _cjk_terms(query)
        match = Q()
        for term in terms:
            match |= Q(title__icontains=term) | Q(body__icontains=term)
        articles = articles.filter(match)
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import TrigramSimilarity

            return articles.annotate(rank=TrigramSimilarity("title", query)).order_by("-rank", "-helpful_count")
        return articles
    words = _words(query)
    if not words:
        return articles.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body", weight="B", config="english"
        )
        # Any of the words may match (a customer's sentence is not a boolean query); rank sorts.
        search = SearchQuery(" OR ".join(words), search_type="websearch", config="english")
        return articles.annotate(rank=SearchRank(vector, search)).filter(rank__gt=0).order_by("-rank", "-helpful_count")
    match, score = Q(), Value(0)
    for word in words:
        match |= Q(title__icontains=word) | Q(body__icontains=word)
        # A word in the title counts more than one in the body.
        score = score + Case(When(title__icontains=word, then=Value(3)), default=Value(0))
        score = score + Case(When(body__icontains=word, then=Value(1)), default=Value(0))
    return articles.filter(match).annotate(score=score).order_by("-score", F("helpful_count").desc())
