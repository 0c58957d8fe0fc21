"""Authorization sweep (issue 14, item 1): every URL pattern, every method, every role.

The URL patterns come from django.urls.get_resolver(), walked recursively; each view's methods from
its action map (DRF viewsets), its handlers (class-based views, DRF or Django) or GET and POST (plain
functions). Path parameters are filled from one world of real objects (`world` below) through
PARAMETERS, keyed by parameter name. tests/authz_declarations.py says, for every (URL name,
method), which roles may get a success; the sweep sends each pair once per role, each role inside
its own savepoint (rolled back, then the process caches forgotten), and fails

  (a) when a pair has no declaration ("declare who may use <name> <method>", with what each role got),
  (b) when a role that is not allowed gets a 2xx,
  (c) when any request gets a 5xx,
  (d) when an allowed role does not get a 2xx on a GET (proof the world reaches the object); on an
      unsafe method an allowed role may get a 400 or 409 (an empty body, a state it cannot take
      from here) but never a 401, 403 or 404,
  (e) when a role gets something else than the status a declaration pins for it (`expect`).

Roles (10): anonymous, guest of this ticket, guest of another ticket (`Authorization: Guest`),
the ticket's owner, another customer, an agent of the ticket's team, an agent of another team, an
agent of the security team, a lead and an admin.

Size (HEAD when this was written): 336 URL patterns, 714 (URL, method) pairs. Swept: 242 pairs
x 10 roles = 2,420 requests, plus 115 with a reference that does not exist (the existence check
below) and 2 OPTIONS per URL outside the admin; 472 pairs declared skipped with a reason (the
admin's object forms and redirects: its changelists and add pages are swept). test_sweep_size
prints the figures and fails if the sweep shrinks.
HEAD is not swept (Django answers it from GET); OPTIONS only for server errors
(test_options_never_fails).
"""

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.authz_declarations import DECLARATIONS, PNG_1X1, ROLES, Declaration, declaration_for
from tests.conftest import forget_process_state

UNSAFE = ("post", "put", "patch", "delete")
SWEPT_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespace:name
    route: str
    methods: tuple[str, ...]
    params: tuple[str, ...]


def _methods_of(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset's action map
        return tuple(m for m in SWEPT_METHODS if m in actions)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        initkwargs = getattr(callback, "initkwargs", None) or getattr(callback, "view_initkwargs", None) or {}
        names = initkwargs.get("http_method_names", view_class.http_method_names)
        return tuple(m for m in SWEPT_METHODS if m in names and hasattr(view_class, m))
    return ("get", "post")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield route, f"{namespace}{pattern.name or route}", pattern


def endpoints() -> list[Endpoint]:
    """Every reachable URL pattern, named `namespace:name` (its route when it has no name). A
    pattern shadowed by an earlier one with the same route (Django's own i18n/setlang/ and the
    admin's login by ours) is not reachable and not swept."""
    seen: set[str] = set()
    found = []
    for route, name, pattern in _walk(get_resolver()):
        if route in seen:
            continue
        seen.add(route)
        params = tuple(pattern.pattern.regex.groupindex)
        found.append(Endpoint(name=name, route=route, methods=_methods_of(pattern.callback), params=params))
    return found


ENDPOINTS = endpoints()
PAIRS = [(endpoint, method) for endpoint in ENDPOINTS for method in endpoint.methods]


# --- The world every request is made in ---


@dataclass
class World:
    users: dict[str, Any]  # role -> user (None: anonymous; guests: the Authorization header)
    guest_headers: dict[str, str]
    objects: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key, for the pages


def _session_for(user) -> str:
    """A logged-in session, as Client.force_login makes it, without the login signal's work
    (django-axes' reset, last_login): made once per test, not once per request."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ProfileModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


@pytest.fixture
def world(db, customer, other_customer, agent, outside_agent, lead, admin_user, category, security, sla_policy):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from desk.models import SavedView
    from knowledge.models import Article
    from sla.models import BusinessCalendar, EscalationRule
    from tests.factories import (
        AgentFactory,
        IncidentFactory,
        MacroFactory,
        MessageFactory,
        OfficialContactFactory,
        TicketFactory,
    )
    from tickets import guest, services

    now = timezone.now()
    ticket = TicketFactory(requester=customer, category=category)
    other_ticket = TicketFactory(category=category)
    MessageFactory(ticket=ticket)
    attachment = services.attachment_add(
        ticket=ticket,
        uploader=customer,
        upload=SimpleUploadedFile("proof.png", PNG_1X1, content_type="image/png"),
        now=now,
    )
    security_agent = AgentFactory(username="secagent", teams=[security])
    users = {
        "anonymous": None,
        "guest_of_ticket": None,
        "guest_of_other_ticket": None,
        "owner": customer,
        "other_customer": other_customer,
        "agent_of_team": agent,
        "agent_of_other_team": outside_agent,
        "security_agent": security_agent,
        "lead": lead,
        "admin": admin_user,
    }
    guest_headers = {
        "guest_of_ticket": guest.guest_link_issue(ticket_id=ticket.pk, email=customer.email, now=now),
        "guest_of_other_ticket": guest.guest_link_issue(
            ticket_id=other_ticket.pk, email=other_ticket.requester.email, now=now
        ),
    }
    objects = {
        "ticket": ticket,
        "attachment": attachment,
        "macro": MacroFactory(team=None),
        "saved_view": SavedView.objects.create(
            name="Payments, new", team=ticket.team, filters={"status": "new"}, created_at=now, updated_at=now
        ),
        "sla_policy": sla_policy,
        "sla_calendar": BusinessCalendar.objects.get(pk=sla_policy.calendar_id),
        "sla_escalation_rule": EscalationRule.objects.filter(policy=sla_policy).first(),
        "incident": IncidentFactory(),
        "official_contact": OfficialContactFactory(),
        "article": Article.objects.create(
            slug="withdrawal-times", title="Withdrawal times", body="Soon.", is_published=True
        ),
        "agent": agent,
    }
    sessions = {role: _session_for(user) for role, user in users.items() if user is not None}
    return World(users=users, guest_headers=guest_headers, objects=objects, sessions=sessions)


# What a path parameter stands for, by its name. `pk` depends on the URL: PK_OF names the object.
PARAMETERS = {
    "reference": lambda w: w.objects["ticket"].reference,
    "attachment_id": lambda w: w.objects["attachment"].pk,
    "message_id": lambda w: w.objects["message"].pk if "message" in w.objects else 0,
    "macro_id": lambda w: w.objects["macro"].pk,
    "agent_id": lambda w: w.objects["agent"].pk,
    "slug": lambda w: w.objects["article"].slug,
    "token": lambda w: "not-a-real-token",
    "uidb64": lambda w: "MQ",
    "app_label": lambda w: "tickets",
}
PK_OF = {
    "macro-detail": "macro",
    "saved-view-detail": "saved_view",
    "sla-policy-detail": "sla_policy",
    "sla-calendar-detail": "sla_calendar",
    "sla-escalation-rule-detail": "sla_escalation_rule",
    "official-contact-detail": "official_contact",
    "incident-detail": "incident",
    "incident-updates": "incident",
    "incident-preview": "incident",
    "incident-resolve": "incident",
    "incident-links": "incident",
}


def url_of(endpoint: Endpoint, world: World) -> str:
    kwargs = {}
    for param in endpoint.params:
        if param == "pk":
            assert endpoint.name in PK_OF, f"declare in PK_OF which object `pk` is for {endpoint.name}"
            kwargs[param] = world.objects[PK_OF[endpoint.name]].pk
        else:
            assert param in PARAMETERS, f"declare in PARAMETERS what the parameter `{param}` of {endpoint.name} is"
            kwargs[param] = PARAMETERS[param](world)
    return reverse(endpoint.name, kwargs=kwargs)


NOT_A_TICKET = "ZZZZ-NOT-A-TICKET"
# Who may not see the world's ticket: on a URL about it they must get what they get for a reference
# that does not exist (never a 403 that tells it exists).
CANNOT_SEE_TICKET = ("anonymous", "guest_of_other_ticket", "other_customer", "agent_of_other_team", "security_agent")


def declared(endpoint: Endpoint, method: str) -> Declaration | None:
    return declaration_for(endpoint.name, method, endpoint.route)


def _client_for(role: str, world: World, url: str) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if role in world.guest_headers:
        client.credentials(HTTP_AUTHORIZATION=f"Guest {world.guest_headers[role]}")
    elif user is not None:
        if url.startswith("/api/"):
            client.force_authenticate(user)
        else:
            from django.conf import settings

            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def request_as(
    role: str, world: World, endpoint: Endpoint, method: str, declaration: Declaration | None, *, reference=None
) -> int:
    """One request in a savepoint that is rolled back (then the process caches forgotten): its status."""
    with transaction.atomic():
        if declaration is not None and declaration.setup is not None:
            declaration.setup(world)
        url = url_of(endpoint, world)
        if reference is not None:
            url = url.replace(world.objects["ticket"].reference, reference)
        client = _client_for(role, world, url)
        kwargs: dict[str, Any] = {}
        if method in UNSAFE:
            body = declaration.body(world) if declaration is not None and declaration.body else {}
            if url.startswith("/api/"):
                kwargs = {"data": body, "format": declaration.format if declaration else "json"}
            else:
                kwargs = {"data": body}
        elif declaration is not None and declaration.query is not None:
            kwargs = {"data": declaration.query(world)}
        response = getattr(client, method)(url, **kwargs)
        if response.streaming:
            # Read to the end: the test client then closes the file as a server would. Not
            # response.close(), which fires request_finished with close_old_connections still
            # connected: it closes PostgreSQL's connection inside the test's transaction.
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    forget_process_state()
    return response.status_code


def problem_with(role: str, status: int, endpoint: Endpoint, method: str, declaration: Declaration) -> str | None:
    """What is wrong with `status` for `role`, or None."""
    if status >= 500:
        return f"{role} got {status} (a server error)"
    pinned = declaration.expect.get(role)
    if pinned is not None:
        return None if status == pinned else f"{role} got {status}, declared {pinned}"
    success = 200 <= status < 300
    if role not in declaration.allow:
        return f"{role} got {status}, a success for a role not allowed" if success else None
    if success:
        return None
    if method in UNSAFE and status in (400, 409):
        return None  # an empty body, or a state the world's ticket cannot take this way
    if method in UNSAFE and not endpoint.route.startswith("api/") and 300 <= status < 400:
        return None  # a page's form: redirected after the post
    return f"{role} got {status}, but the role is allowed"


def _params():
    for endpoint, method in PAIRS:
        declaration = declared(endpoint, method)
        marks = []
        if declaration is not None and declaration.skip:
            marks.append(pytest.mark.skip(reason=declaration.skip))
        if declaration is not None and declaration.xfail:
            marks.append(pytest.mark.xfail(reason=declaration.xfail, strict=True))
        yield pytest.param(endpoint, method, id=f"{endpoint.name}-{method.upper()}", marks=marks)


@pytest.mark.parametrize(("endpoint", "method"), list(_params()))
def test_roles_get_what_is_declared(world, endpoint, method):
    declaration = declared(endpoint, method)
    statuses = {role: request_as(role, world, endpoint, method, declaration) for role in ROLES}
    observed = ", ".join(f"{role} {status}" for role, status in statuses.items())
    if os.environ.get("AUTHZ_SWEEP_REPORT"):  # a table of what every role gets, to declare from
        with open(os.environ["AUTHZ_SWEEP_REPORT"], "a") as report:
            report.write(f"{endpoint.name} {method.upper()} {endpoint.route}: {observed}\n")
    assert declaration is not None, f"declare who may use {endpoint.name} {method.upper()} (observed: {observed})"
    problems = [
        problem
        for role, status in statuses.items()
        if (problem := problem_with(role, status, endpoint, method, declaration))
    ]
    if "reference" in endpoint.params:
        for role in CANNOT_SEE_TICKET:
            unknown = request_as(role, world, endpoint, method, declaration, reference=NOT_A_TICKET)
            if unknown != statuses[role]:
                problems.append(f"{role} got {statuses[role]}, but {unknown} for a ticket that does not exist")
    assert not problems, f"{endpoint.name} {method.upper()}: " + "; ".join(problems)


def test_every_url_and_method_is_declared():
    missing = [
        f"declare who may use {endpoint.name} {method.upper()} ({endpoint.route})"
        for endpoint, method in PAIRS
        if declared(endpoint, method) is None
    ]
    assert not missing, "\n".join(missing)


def test_every_declaration_names_a_url_that_exists():
    existing = {(endpoint.name, method) for endpoint, method in PAIRS}
    stale = [key for key in DECLARATIONS if key not in existing]
    assert not stale, f"declarations for URLs or methods that no longer exist: {stale}"


def swept_pairs() -> list[tuple[Endpoint, str]]:
    return [(e, m) for e, m in PAIRS if (d := declared(e, m)) is not None and not d.skip]


def test_sweep_size():
    swept = swept_pairs()
    existence = sum(len(CANNOT_SEE_TICKET) for endpoint, _ in swept if "reference" in endpoint.params)
    print(
        f"authz sweep: {len(ENDPOINTS)} URL patterns, {len(PAIRS)} (URL, method) pairs, "
        f"{len(swept)} swept x {len(ROLES)} roles = {len(swept) * len(ROLES)} requests "
        f"(+ {existence} with a reference that does not exist)"
    )
    assert len(ROLES) == 10
    assert len(swept) >= 242, "the sweep shrank: was an endpoint's declaration turned into a skip?"


def test_options_never_fails(world):
    """OPTIONS, which the sweep leaves out (DRF answers it from the view's metadata), still never
    gets a 5xx on any URL outside the admin, for anonymous callers and for an admin."""
    failures = []
    for endpoint in ENDPOINTS:
        if endpoint.route.startswith("admin/"):
            continue
        for role in ("anonymous", "admin"):
            with transaction.atomic():
                url = url_of(endpoint, world)
                response = _client_for(role, world, url).options(url)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append(f"{endpoint.name} OPTIONS as {role}: {response.status_code}")
    assert not failures, failures
