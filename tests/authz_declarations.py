"""Who may use each URL and method: the table tests/test_authz_sweep.py checks (issue 14, item 1).

A new URL or method fails the sweep until it is declared here. A declaration names the roles that
may get a success (`allow`); every other role must get no 2xx (a 4xx, or a page's redirect to the
login) and nobody a 5xx. `expect` pins a role's exact status where the contract says which (401 not
logged in, 404 for what the caller may not see, 403 for what it sees but may not do). `body` and
`query` make a request the endpoint would accept (an empty body mostly stops at validation, which
proves less about the roles that are refused); `setup` puts the world in the state the endpoint
needs (it runs in the role's savepoint). The Django admin's model pages are declared from the one
place that says what leads may do there (accounts.roles.LEAD_MANAGES / LEAD_READS).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anonymous",
    "guest_of_ticket",
    "guest_of_other_ticket",
    "owner",
    "other_customer",
    "agent_of_team",
    "agent_of_other_team",
    "security_agent",
    "lead",
    "admin",
)


@dataclass(frozen=True)
class Declaration:
    allow: frozenset[str] = frozenset()
    expect: dict[str, int] = field(default_factory=dict)
    setup: Callable[[Any], None] | None = None
    body: Callable[[Any], dict] | None = None
    query: Callable[[Any], dict] | None = None
    format: str = "json"
    skip: str = ""
    xfail: str = ""


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    assert not unknown, unknown
    return frozenset(names)


NOBODY = frozenset()
EVERYONE = frozenset(ROLES)
GUESTS = roles("guest_of_ticket", "guest_of_other_ticket")
ANONYMOUS = roles("anonymous") | GUESTS  # a guest link is ignored outside its ticket's endpoints
CUSTOMERS = roles("owner", "other_customer")
STAFF = roles("agent_of_team", "agent_of_other_team", "security_agent", "lead", "admin")
USERS = CUSTOMERS | STAFF
LEADS = roles("lead", "admin")
TICKET_STAFF = roles("agent_of_team", "lead", "admin")
TICKET_CUSTOMER = roles("owner", "guest_of_ticket")


def pin(statuses: str) -> dict[str, int]:
    """Every role's status, in the order of ROLES: anonymous, guest of the ticket, guest of
    another, owner, other customer, team agent, other team's agent, security agent, lead, admin."""
    numbers = [int(number) for number in statuses.split()]
    assert len(numbers) == len(ROLES)
    return dict(zip(ROLES, numbers, strict=True))


# --- what the bodies and set-ups need ---

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def _png(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("proof.png", PNG_1X1, content_type="image/png")}


def _solve(world) -> None:
    from django.utils import timezone

    from tickets import services
    from tickets.models import Ticket

    ticket = Ticket.objects.get(pk=world.objects["ticket"].pk)
    services.ticket_change_status(
        ticket=ticket, actor=world.users["agent_of_team"], status=Ticket.Status.SOLVED, now=timezone.now()
    )


def _complaint(world) -> None:
    from django.utils import timezone

    from tickets import services
    from tickets.models import Ticket

    ticket = Ticket.objects.get(pk=world.objects["ticket"].pk)
    services.ticket_set_complaint(
        ticket=ticket, actor=world.users["agent_of_team"], is_complaint=True, now=timezone.now()
    )


def _same_customers_other_ticket(world) -> None:
    # A merge needs a main ticket of the same customer (rolled back with the role's savepoint).
    from tests.factories import TicketFactory

    ticket = world.objects["ticket"]
    world.objects["main_ticket"] = TicketFactory(requester=ticket.requester, category=ticket.category)


def _customer_message_to_split(world) -> None:
    # A split copies one of the customer's public messages into a new ticket of the same
    # category, whose required fields come from the source ticket.
    from tests.factories import MessageFactory
    from tickets.models import Ticket

    ticket = world.objects["ticket"]
    Ticket.objects.filter(pk=ticket.pk).update(asset="USDT", amount=100)
    world.objects["message"] = MessageFactory(ticket=ticket, author=ticket.requester)


def _worker_heartbeat(world) -> None:
    from ops.services import heartbeat_record

    heartbeat_record()


def _new_ticket(world) -> dict:
    return {
        "category": world.objects["ticket"].category.code,
        "subject": "My USDT withdrawal is stuck",
        "body": "Sent two hours ago, still pending.",
        "asset": "USDT",
        "amount": "250",
    }


D = Declaration
DECLARATIONS: dict[tuple[str, str], Declaration] = {
    # --- public API ---
    ("api-root", "get"): D(EVERYONE),
    ("schema", "get"): D(EVERYONE),
    ("api-docs", "get"): D(EVERYONE),
    ("api-redoc", "get"): D(EVERYONE),
    ("category-list", "get"): D(EVERYONE),
    ("networks", "get"): D(EVERYONE),
    ("networks-validate", "post"): D(EVERYONE),
    ("incidents", "get"): D(EVERYONE),
    ("incident-detail", "get"): D(EVERYONE),
    ("article-list", "get"): D(EVERYONE),
    ("article-detail", "get"): D(EVERYONE),
    ("article-vote", "post"): D(EVERYONE, body=lambda w: {"helpful": True}),
    ("verify-contact", "post"): D(EVERYONE, body=lambda w: {"contact": "support0@desk.example"}),
    ("auth-token", "post"): D(EVERYONE),
    ("guest-ticket-create", "post"): D(EVERYONE),
    ("guest-link-request", "post"): D(
        EVERYONE, body=lambda w: {"email": "alice@example.com", "reference": w.objects["ticket"].reference}
    ),
    ("guest-account-compromised", "post"): D(EVERYONE),
    # A mail provider's inbound webhook: its shared secret, never a login (the sweep sends none).
    ("inbound-email", "post"): D(NOBODY, expect=pin("401 401 401 401 401 401 401 401 401 401")),
    # A guest link's own session: either guest, each for their own ticket; never a login.
    ("guest-session", "get"): D(GUESTS, expect={"anonymous": 401}),
    # --- the caller's account ---
    ("account", "get"): D(USERS, expect={"anonymous": 401}),
    ("account", "patch"): D(USERS),
    ("account-email", "post"): D(USERS),
    ("account-password", "post"): D(USERS),
    ("account-sessions-revoke", "post"): D(USERS),
    ("auth-logout", "post"): D(USERS),
    # The logged-in "my account is compromised": customers (staff have the desk's security page).
    ("account-compromised", "post"): D(CUSTOMERS),
    # --- tickets, the caller's own ---
    ("ticket-list", "get"): D(USERS, expect={"anonymous": 401, "guest_of_ticket": 401}),
    ("ticket-list", "post"): D(USERS, body=_new_ticket),
    ("ticket-duplicates", "get"): D(USERS, query=lambda w: {"category": w.objects["ticket"].category.code}),
    # --- one ticket (the matrix tests/tickets/test_api_permissions.py kept before the sweep) ---
    ("ticket-detail", "get"): D(TICKET_CUSTOMER | TICKET_STAFF, expect=pin("401 200 404 200 404 200 404 404 200 200")),
    ("ticket-detail", "patch"): D(
        TICKET_STAFF, body=lambda w: {"priority": "high"}, expect=pin("401 401 401 403 404 200 404 404 200 200")
    ),
    ("ticket-messages", "post"): D(
        TICKET_CUSTOMER | TICKET_STAFF,
        body=lambda w: {"body": "Any news on my withdrawal?"},
        expect=pin("401 201 404 201 404 201 404 404 201 201"),
    ),
    ("ticket-attachments", "post"): D(
        TICKET_CUSTOMER | TICKET_STAFF,
        body=_png,
        format="multipart",
        expect=pin("401 201 404 201 404 201 404 404 201 201"),
    ),
    ("ticket-attachment-download", "get"): D(
        TICKET_CUSTOMER | TICKET_STAFF, expect=pin("401 200 404 200 404 200 404 404 200 200")
    ),
    ("ticket-export", "get"): D(TICKET_CUSTOMER | TICKET_STAFF, expect=pin("401 200 404 200 404 200 404 404 200 200")),
    ("ticket-claim", "post"): D(TICKET_STAFF, expect=pin("401 401 401 403 404 200 404 404 200 200")),
    ("ticket-assign", "post"): D(
        TICKET_STAFF,
        body=lambda w: {"assignee": w.objects["agent"].pk},
        expect=pin("401 401 401 403 404 200 404 404 200 200"),
    ),
    # The raw audit trail never reaches customers, not even the ticket's owner.
    ("ticket-events", "get"): D(TICKET_STAFF, expect=pin("401 401 401 404 404 200 404 404 200 200")),
    ("ticket-apply-macro", "post"): D(TICKET_STAFF, expect=pin("401 401 401 403 404 200 404 404 200 200")),
    ("ticket-macro-preview", "post"): D(TICKET_STAFF),
    ("ticket-reopen", "post"): D(
        TICKET_CUSTOMER | TICKET_STAFF, setup=_solve, expect=pin("401 200 404 200 404 200 404 404 200 200")
    ),
    ("ticket-satisfaction", "post"): D(TICKET_CUSTOMER, setup=_solve, body=lambda w: {"rating": 5}),
    ("ticket-revoke-guest-links", "post"): D(TICKET_STAFF, expect=pin("401 401 401 403 404 200 404 404 200 200")),
    # The customer's masked personal data, unmasked with a reason: staff who may see the ticket.
    ("ticket-reveal", "post"): D(
        TICKET_STAFF,
        body=lambda w: {"reason": "The customer asked us to confirm their e-mail"},
        expect=pin("401 401 401 403 404 200 404 404 200 200"),
    ),
    # Who opened the ticket: leads and admins; a staff tool customers never learn of (as events).
    ("ticket-access", "get"): D(LEADS, expect=pin("401 401 401 404 404 403 404 404 200 200")),
    # Merge and split (tickets.merge): staff who may see the ticket; the customer is told, never asked.
    ("ticket-merge", "post"): D(
        TICKET_STAFF,
        setup=_same_customers_other_ticket,
        body=lambda w: {"into": w.objects["main_ticket"].reference},
        expect=pin("401 401 401 403 404 200 404 404 200 200"),
    ),
    ("ticket-split", "post"): D(
        TICKET_STAFF, setup=_customer_message_to_split, expect=pin("401 401 401 403 404 201 404 404 201 201")
    ),
    ("ticket-merge-suggestions", "get"): D(TICKET_STAFF, expect=pin("401 401 401 404 404 200 404 404 200 200")),
    ("ticket-presence", "post"): D(TICKET_STAFF),
    ("ticket-presence", "delete"): D(TICKET_STAFF),
    # --- the agents' desk API ---
    ("queue", "get"): D(STAFF, expect={"anonymous": 401, "owner": 403}),
    ("teams", "get"): D(STAFF),
    ("agents", "get"): D(STAFF),
    ("agent-me", "get"): D(STAFF),
    ("agent-me", "patch"): D(STAFF),
    # An agent who went away: leads and admins move their tickets (agents 403).
    ("agent-reassign", "post"): D(
        LEADS,
        body=lambda w: {"assignee": None},
        expect={"agent_of_team": 403, "agent_of_other_team": 403, "security_agent": 403},
    ),
    ("ticket-bulk", "post"): D(STAFF),
    ("macro-list", "get"): D(STAFF, expect={"owner": 403}),
    ("macro-list", "post"): D(
        STAFF, body=lambda w: {"name": "Thanks", "body": "Thank you for waiting.", "scope": "personal"}
    ),
    ("macro-preview", "post"): D(STAFF),
    ("macro-detail", "get"): D(STAFF),
    # A shared macro: leads and admins change it; PUT is not offered (405), PATCH is.
    ("macro-detail", "put"): D(NOBODY),
    ("macro-detail", "patch"): D(LEADS, body=lambda w: {"name": "Renamed"}),
    ("macro-detail", "delete"): D(LEADS),
    # A team view of payments: its members read it, leads share and change it.
    ("saved-view-list", "get"): D(STAFF),
    ("saved-view-list", "post"): D(STAFF, body=lambda w: {"name": "Mine", "filters": {"status": "open"}}),
    ("saved-view-counts", "get"): D(STAFF),
    ("saved-view-detail", "get"): D(TICKET_STAFF, expect={"agent_of_other_team": 404, "security_agent": 404}),
    ("saved-view-detail", "put"): D(NOBODY),
    ("saved-view-detail", "patch"): D(LEADS, body=lambda w: {"name": "Payments, untouched"}),
    ("saved-view-detail", "delete"): D(LEADS),
    ("staff-access", "get"): D(LEADS),
    ("staff-reveals", "get"): D(LEADS),
    # --- configuration (leads and admins) ---
    ("official-contact-list", "get"): D(STAFF),
    ("official-contact-list", "post"): D(LEADS, body=lambda w: {"channel": "email", "value": "help@desk.example"}),
    ("official-contact-detail", "get"): D(STAFF),
    ("official-contact-detail", "put"): D(NOBODY),
    ("official-contact-detail", "patch"): D(LEADS, body=lambda w: {"label": "Help desk"}),
    ("official-contact-detail", "delete"): D(LEADS),
    ("sla-report", "get"): D(LEADS),
    **{
        (f"sla-{kind}-list", method): D(LEADS)
        for kind in ("policy", "calendar", "escalation-rule")
        for method in ("get", "post")
    },
    **{
        (f"sla-{kind}-detail", method): D(LEADS)
        for kind in ("policy", "calendar", "escalation-rule")
        for method in ("get", "put", "patch", "delete")
    },
    # --- formal complaints (issue 13): flagged on the ticket, worked by its staff, reported to leads ---
    # A guest link does not reach it (401): the guest endpoints are messages, attachments,
    # reopen, satisfaction and the export (reported to the lead: should a guest flag one?).
    ("ticket-complaint", "post"): D(roles("owner") | TICKET_STAFF, body=lambda w: {"is_complaint": True}),
    ("complaint-detail", "get"): D(TICKET_STAFF, setup=_complaint, expect={"owner": 404}),
    ("complaint-letters", "post"): D(TICKET_STAFF, setup=_complaint),
    ("complaint-register", "get"): D(LEADS),
    ("complaints-report", "get"): D(LEADS),
    # --- incidents: leads and admins run them, staff link tickets (those they may see) ---
    ("incidents", "post"): D(LEADS, expect={"agent_of_team": 403}),
    ("incident-detail", "patch"): D(LEADS),
    ("incident-updates", "post"): D(LEADS),
    ("incident-preview", "post"): D(LEADS),
    ("incident-resolve", "post"): D(LEADS),
    ("incidents-desk", "get"): D(STAFF, expect={"owner": 403}),
    ("incident-links", "get"): D(STAFF),
    # Per-ticket results: a ticket the caller may not see is "not found" in them.
    ("incident-links", "post"): D(STAFF, body=lambda w: {"references": [w.objects["ticket"].reference]}),
    ("incidents-unlink", "post"): D(
        TICKET_STAFF,
        body=lambda w: {"reference": w.objects["ticket"].reference},
        expect={"agent_of_other_team": 404, "security_agent": 404},
    ),
    # --- operations: the load balancer's and Prometheus' (kept off the public network by the proxy) ---
    ("healthz", "get"): D(EVERYONE),
    ("healthz", "post"): D(NOBODY),
    ("readyz", "get"): D(EVERYONE, setup=_worker_heartbeat),
    ("readyz", "post"): D(NOBODY),
    ("metrics", "get"): D(EVERYONE),
    ("metrics", "post"): D(NOBODY),
    # --- language ---
    ("set_language", "get"): D(NOBODY),
    ("set_language", "post"): D(EVERYONE),
    # --- the portal (pages; their data comes from the API above) ---
    ("portal:home", "get"): D(EVERYONE),
    ("portal:status", "get"): D(EVERYONE),
    ("portal:article", "get"): D(EVERYONE),
    ("portal:contact", "get"): D(EVERYONE),
    ("portal:verify", "get"): D(EVERYONE),
    ("portal:emergency", "get"): D(EVERYONE),
    ("portal:jsi18n", "get"): D(EVERYONE),
    ("portal:guest_new", "get"): D(EVERYONE),
    ("portal:guest_link", "get"): D(EVERYONE),
    # The page of a mailed link: the secret is in the fragment, the page's script sends it.
    ("portal:guest_ticket", "get"): D(EVERYONE),
    # An old link (secret in the path): moved to the fragment, a redirect for everyone.
    ("portal:guest_legacy", "get"): D(NOBODY),
    ("portal:guest_legacy", "post"): D(NOBODY),
    # Logged-in callers are sent on from the login page.
    ("portal:login", "get"): D(ANONYMOUS),
    ("portal:login", "post"): D(ANONYMOUS),
    ("portal:login", "put"): D(ANONYMOUS),
    # The second step without a first one: a redirect to the login, for everyone.
    ("portal:login_code", "get"): D(NOBODY),
    ("portal:login_code", "post"): D(NOBODY),
    ("portal:login_code", "put"): D(NOBODY),
    ("portal:logout", "post"): D(EVERYONE),
    ("portal:password_reset", "get"): D(EVERYONE),
    ("portal:password_reset", "post"): D(EVERYONE),
    ("portal:password_reset", "put"): D(EVERYONE),
    ("portal:password_reset_done", "get"): D(EVERYONE),
    # A made-up link: the page says it is not valid (200), to everyone alike.
    ("portal:password_reset_confirm", "get"): D(EVERYONE),
    ("portal:password_reset_confirm", "post"): D(EVERYONE),
    ("portal:password_reset_confirm", "put"): D(EVERYONE),
    ("portal:password_reset_complete", "get"): D(EVERYONE),
    ("portal:account_email_confirm", "get"): D(EVERYONE),
    ("portal:account_email_confirm", "post"): D(EVERYONE),
    # Customers' pages; staff are taken to the desk (a redirect).
    ("portal:account", "get"): D(CUSTOMERS),
    ("portal:ticket_list", "get"): D(CUSTOMERS),
    ("portal:ticket_new", "get"): D(USERS),
    # The same page for any reference (the sweep checks it against a reference that does not
    # exist); the ticket comes from GET tickets/{reference}/, which answers the other customer 404.
    ("portal:ticket_detail", "get"): D(CUSTOMERS),
    # --- the desk (pages; customers get its 403 page, anonymous visitors the login) ---
    ("desk:queue", "get"): D(STAFF, expect={"owner": 403}),
    ("desk:macros", "get"): D(STAFF),
    ("desk:security", "get"): D(STAFF),
    ("desk:security", "post"): D(STAFF),
    # As the portal's ticket page: the same page for any reference, the data from the API.
    ("desk:ticket", "get"): D(STAFF),
    ("desk:reports", "get"): D(LEADS, expect={"agent_of_team": 403}),
    ("desk:access", "get"): D(LEADS),
    ("desk:contacts", "get"): D(LEADS),
    ("desk:complaints", "get"): D(LEADS),
    ("desk:incidents", "get"): D(STAFF),
    # --- the Django admin's own pages (its model pages: admin_model_declaration below) ---
    ("admin-login", "get"): D(ANONYMOUS | CUSTOMERS | roles("agent_of_team", "agent_of_other_team", "security_agent")),
    ("admin-login", "post"): D(EVERYONE),
    ("admin-login", "put"): D(EVERYONE),
    ("admin-login-code", "get"): D(NOBODY),
    ("admin-login-code", "post"): D(NOBODY),
    ("admin-login-code", "put"): D(NOBODY),
    ("admin:index", "get"): D(LEADS),
    ("admin:app_list", "get"): D(LEADS),
    ("admin:password_change", "get"): D(LEADS),
    ("admin:password_change_done", "get"): D(LEADS),
    ("admin:jsi18n", "get"): D(LEADS),
    ("admin:autocomplete", "get"): D(NOBODY),  # without a model to complete: 403 to staff too
    ("admin:logout", "post"): D(EVERYONE),
}

ADMIN_FORMS = "the admin's forms and object pages: its own permission checks, swept through the changelists"
ADMIN_SKIPPED = {
    "admin:logout": ("get",),  # POST only since Django 5.0: GET 405
    "admin:login": ("get", "post"),  # unreachable: admin-login's route comes first
    "admin:index": ("post",),
    "admin:app_list": ("post",),
    "admin:password_change": ("post",),
    "admin:password_change_done": ("post",),
    "admin:jsi18n": ("post",),
    "admin:autocomplete": ("post",),
    "admin:view_on_site": ("get", "post"),
}
# Records the services write (history, evidence, deliveries, login attempts): the admin lists them
# and adds none, not even for an admin (its add page is a 403).
ADMIN_RECORDS = {
    "axes": {"accessattempt", "accesslog", "accessfailurelog"},
    "tickets": {"ticket", "message", "attachment", "ticketevent", "satisfaction", "guestlink", "inboundemail"},
    "notifications": {"outboxmessage", "webhookdelivery"},
    "sla": {"slaclock", "escalationfiring", "customerreminder", "complaint"},
    "incidents": {"incidentupdate", "incidentlink"},
}
ADMIN_MODEL_PAGE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


def admin_model_declaration(route: str, name: str, method: str) -> Declaration | None:
    """A model's changelist and add page: admins, and leads for the models accounts.roles lets
    them manage (the add page) or read (the changelist too); everything else in the admin is
    declared skipped with a reason."""
    from accounts.roles import LEAD_MANAGES, LEAD_READS

    if not route.startswith("admin/"):
        return None
    if name in ADMIN_SKIPPED and method in ADMIN_SKIPPED[name]:
        return D(skip="admin: " + ("a redirect or an unreachable page" if name != "admin:logout" else "POST only"))
    match = ADMIN_MODEL_PAGE.match(route)
    if match is None or method != "get" or not name.endswith(("_changelist", "_add")):
        return D(skip=ADMIN_FORMS)
    app, model = match["app"], match["model"]
    managed = model in LEAD_MANAGES.get(app, ())
    readable = managed or model in LEAD_READS.get(app, ())
    if name.endswith("_add"):
        if model in ADMIN_RECORDS.get(app, ()):
            return D(NOBODY)
        return D(LEADS if managed else roles("admin"))
    return D(LEADS if readable else roles("admin"))


def declaration_for(name: str, method: str, route: str = "") -> Declaration | None:
    if (name, method) in DECLARATIONS:
        return DECLARATIONS[(name, method)]
    return admin_model_declaration(route, name, method)
