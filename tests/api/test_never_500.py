"""Never a 500: every URL pattern, with OPTIONS and GET and hostile query strings, as every kind of caller.

The walk finds each route in the URL configuration (so a new endpoint is covered the day it lands),
fills its path parameters with real objects from the demo data, and sends each request below. Any
5xx, or an exception escaping a view, fails the test with the list of offending requests.
"""

import base64
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from knowledge.models import Article
from tickets.models import Attachment, Macro, Ticket


def _cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# Read by pages and lists everywhere (pagination, formats, search boxes, the admin's changelist).
COMMON_QUERY_NAMES = ["page", "page_size", "cursor", "format", "q", "o", "p", "next", "lang"]
# Sent one parameter at a time, so that one refused value never hides what another does.
ODD_VALUES = ["%00x", "-1" + "9" * 40, "%FF%FE%E2%80%AE[]"]
EVERY_NAME = "&".join(f"{name}=%00" for name in COMMON_QUERY_NAMES)
# Pagination and cursors made by hand.
ODD_QUERIES = [
    "page=0",
    "page=-1&page_size=-5",
    "page=abc&page_size=abc",
    "page=99999999999999999999999&page_size=99999999999999999999",
    "cursor=garbage",
    "cursor=" + _cursor(["x", "y", "z"]),
    "cursor=" + _cursor([10**30, 10**30, 10**30]),
    "cursor=" + _cursor(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", -1]),
    "q=" + "x" * 20_000,
    EVERY_NAME,
]
# Not percent-encoded: the raw bytes a client may send.
RAW_QUERY = "q=\x00&status=\x00&cursor=\x00"
PATH_SUFFIXES = ["%00", "x" * 9000]
# Answers that are not server errors: the readiness probe says 503 when the broker or worker is down.
ALLOWED_5XX = {("/readyz", 503)}


def _leaf_patterns(patterns, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^")
        if isinstance(pattern, URLResolver):
            found.extend(_leaf_patterns(pattern.url_patterns, regex.removesuffix("\\Z").removesuffix("$")))
        elif isinstance(pattern, URLPattern):
            found.append(regex)
    return found


def _group_end(regex: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(regex)


def concrete_path(regex: str, values: dict[str, str]) -> str:
    """A path the regex matches, with named groups taken from `values`."""
    out = []
    index = 0
    while index < len(regex):
        if regex.startswith("(?P<", index):
            name = regex[index + 4 : regex.index(">", index)]
            end = _group_end(regex, index)
            body = regex[regex.index(">", index) + 1 : end]
            if name in values:
                out.append(values[name])
            elif re.fullmatch(r"[\w|-]+", body):
                out.append(body.split("|")[0])  # an alternation of literals (admin app labels)
            else:
                out.append("1")
            index = end + 1
            continue
        if regex.startswith("/?", index):
            out.append("/")
            index += 2
            continue
        char = regex[index]
        if char == "\\":
            nxt = regex[index + 1]
            if nxt == "Z":
                index += 2
                continue
            out.append(nxt)
            index += 2
            continue
        if char in "^$":
            index += 1
            continue
        out.append(char)
        index += 1
    return "/" + "".join(out)


@pytest.fixture(scope="module")
def documented_query_names(django_db_blocker) -> list[tuple[re.Pattern, set[str]]]:
    """Each API path's query parameters, from the OpenAPI schema: (path regex, names)."""
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for template, operations in schema["paths"].items():
        names = {
            parameter["name"]
            for operation in operations.values()
            if isinstance(operation, dict)
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        }
        found.append((re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"), names))
    return found


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    ticket = Ticket.objects.filter(requester__username="alice").order_by("id").first()
    attachment = Attachment.objects.filter(ticket=ticket).first() or Attachment.objects.first()
    return {
        "reference": ticket.reference,
        "attachment_id": str(attachment.pk if attachment else 1),
        "macro_id": str(Macro.objects.values_list("pk", flat=True).first() or 1),
        "slug": Article.objects.values_list("slug", flat=True).first() or "x",
        "pk": "1",
        "token": "not-a-token",
        "object_id": "1",
    }


def _paths(values: dict[str, str]) -> list[str]:
    paths = sorted({concrete_path(regex, values) for regex in _leaf_patterns(get_resolver().url_patterns)})
    # The admin's hundreds of model pages share one changelist and form code: a few stand for them.
    admin = {"/admin/", "/admin/login/", "/admin/tickets/ticket/", "/admin/tickets/ticket/1/change/"}
    return [path for path in paths if not path.startswith("/admin/") or path in admin]


USERNAMES = {"customer": "alice", "agent": "agent1", "admin": "admin"}


def _client_for(role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(User.objects.get(username=USERNAMES[role]))
    return client


def _requests(path: str, names: set[str], view_runs: bool):
    """What to send to one path. Where the view does not run for this caller (401, 403, 404, a
    redirect to log in), a few requests show that nothing before it breaks either."""
    if path == "/api/schema/":  # a second to build; it reads no parameter but `format` and `lang`
        yield from [("get", f"{path}?format=%00x", {}), ("get", f"{path}?lang=-1", {}), ("options", path, {})]
        return
    if view_runs:
        for query in ODD_QUERIES:
            yield "get", f"{path}?{query}", {}
        for name in sorted(names):
            for value in ODD_VALUES:
                yield "get", f"{path}?{name}={value}", {}
    else:
        yield "get", f"{path}?{EVERY_NAME}", {}
        yield "get", f"{path}?page=0&cursor=garbage&format=xml", {}
    yield "options", f"{path}?{EVERY_NAME}", {}
    yield "options", f"{path}?page=0&cursor=garbage&format=xml", {}
    yield "options", f"{path}?format=html", {}  # a view with an HTML renderer has no template for OPTIONS
    for method in ("get", "options"):
        yield method, path, {"QUERY_STRING": RAW_QUERY}
    for suffix in PATH_SUFFIXES:
        yield "get", path.rstrip("/") + "/" + suffix + "/", {}


@pytest.mark.parametrize("role", ["anonymous", "customer", "agent", "admin"])
def test_no_route_answers_hostile_input_with_a_server_error(demo, documented_query_names, role):
    client = _client_for(role)
    failures, sent = [], 0
    for path in _paths(demo):
        if role == "admin" and not path.startswith("/admin/"):
            continue  # the API and the pages answer an admin as they answer a lead or an agent
        names = set(COMMON_QUERY_NAMES)
        for regex, documented in documented_query_names:
            if regex.match(path):
                names |= documented
        view_runs = client.get(path).status_code < 300
        for method, url, extra in [("get", path, {}), *_requests(path, names, view_runs)]:
            response = getattr(client, method)(url, **extra)
            sent += 1
            if response.status_code >= 500 and (path, response.status_code) not in ALLOWED_5XX:
                shown = url if len(url) < 160 else url[:150] + "…"
                failures.append(f"{method.upper()} {shown} {extra or ''} -> {response.status_code}")
    assert sent > 50
    assert not failures, f"{len(failures)} of {sent} requests were 5xx:\n" + "\n".join(failures[:300])


# JSON bodies that parse but are not an object: code that reads `request.data.get(...)` (a view, a
# throttle keyed on a field) must leave them to the serializer's 400.
NOT_AN_OBJECT = ['[{"email": "alice@example.com", "state": "typing"}]', "42", "null"]


@pytest.mark.parametrize("role", ["anonymous", "customer", "agent"])
def test_no_api_route_answers_a_json_body_that_is_not_an_object_with_a_server_error(demo, role):
    client = _client_for(role)
    failures, sent = [], 0
    for path in _paths(demo):
        if not path.startswith("/api/") or path.startswith("/api/schema"):
            continue
        for method in ("post", "patch"):
            for body in NOT_AN_OBJECT:
                response = getattr(client, method)(path, data=body, content_type="application/json")
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} {body} -> {response.status_code}")
    assert sent > 100
    assert not failures, f"{len(failures)} of {sent} requests were 5xx:\n" + "\n".join(failures)
