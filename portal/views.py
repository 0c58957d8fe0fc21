"""The customer portal: thin views that render page shells.

Every page gets its data from the public REST API (the same one integrations use), so the
views only pass what the page's JavaScript needs to start: a slug, a reference or a guest token.
"""

import sys
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import (
    INTERNAL_RESET_SESSION_TOKEN,
    LoginView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from accounts.roles import is_staff_member
from accounts.services import (
    email_change_pending,
    password_reset_request,
    user_email_change_confirm,
    user_password_reset_complete,
)
from accounts.throttling import AccountMailEmailThrottle, AccountMailIpThrottle
from accounts.views import TwoFactorLoginMixin
from support_desk.errors import DomainError


@method_decorator(ensure_csrf_cookie, name="dispatch")
class PortalPage(TemplateView):
    """A page whose JavaScript calls the API: the CSRF cookie must be set for its POSTs."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachment_max_bytes"] = getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
        return context


class HomeView(PortalPage):
    template_name = "portal/home.html"


class ArticleView(PortalPage):
    template_name = "portal/article.html"


class StatusView(PortalPage):
    """The public status page: active incidents, then the recently resolved ones, each with its
    update history (server-rendered: readable without JavaScript, read-only for everyone)."""

    template_name = "portal/status.html"

    def get_context_data(self, **kwargs):
        from incidents.selectors import incidents_recent

        context = super().get_context_data(**kwargs)
        incidents = incidents_recent(limit=30)
        context["active_incidents"] = [incident for incident in incidents if incident.is_active]
        context["resolved_incidents"] = [incident for incident in incidents if not incident.is_active]
        return context


class ContactView(PortalPage):
    """The choice for someone not logged in: log in, or file without an account."""

    template_name = "portal/contact.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        category = self.request.GET.get("category", "")
        query = f"?{urlencode({'category': category})}" if category else ""
        new_ticket_url = reverse("portal:ticket_new") + query
        context["new_ticket_url"] = new_ticket_url
        context["login_url"] = f"{reverse('portal:login')}?{urlencode({'next': new_ticket_url})}"
        context["guest_url"] = reverse("portal:guest_new") + query
        return context


# What a customer reports a fake contact under: the category routed to the security team.
REPORT_CATEGORY = "account_compromised"


class VerifyView(PortalPage):
    """ "Is this really us?" (POST verify-contact/). For a contact that is not ours the page says
    what to do, and where to report it: a ticket for the security team."""

    template_name = "portal/verify.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Logged out: the contact page's choice between logging in and filing without an account.
        query = f"?{urlencode({'category': REPORT_CATEGORY})}"
        page = "portal:ticket_new" if self.request.user.is_authenticated else "portal:contact"
        context["report_url"] = reverse(page) + query
        return context


class EmergencyView(PortalPage):
    """ "My account is compromised", logged in or not (the page calls the matching endpoint)."""

    template_name = "portal/emergency.html"


class TicketNewView(LoginRequiredMixin, PortalPage):
    template_name = "portal/ticket_new.html"


class StaffToDeskMixin:
    """Staff who open a portal page about tickets are taken to the desk's page for it: the portal
    draws a ticket as its customer's own ("You wrote…"), which someone else's ticket is not."""

    def desk_url(self) -> str:
        return DESK_QUEUE_URL

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_staff_member(request.user):
            return redirect(self.desk_url())
        return super().dispatch(request, *args, **kwargs)


# The desk's pages (CONTRACT.md: the queue at /desk/, a ticket at /desk/tickets/<reference>/).
DESK_QUEUE_URL = "/desk/"


class TicketListView(LoginRequiredMixin, StaffToDeskMixin, PortalPage):
    template_name = "portal/ticket_list.html"


@method_decorator(never_cache, name="dispatch")
class TicketDetailView(LoginRequiredMixin, StaffToDeskMixin, PortalPage):
    template_name = "portal/ticket_detail.html"

    def desk_url(self) -> str:
        return f"{DESK_QUEUE_URL}tickets/{quote(self.kwargs['reference'], safe='')}/"


class GuestNewView(PortalPage):
    template_name = "portal/guest_new.html"


@method_decorator(never_cache, name="dispatch")
class GuestTicketView(PortalPage):
    """One ticket opened from the mailed link (`/guest/#k=<secret>`). The secret is in the
    fragment, so it never reaches this view or a log; the page's script reads it and sends it
    as `Authorization: Guest`. No Referer leaves the page, and nothing may cache or index it."""

    template_name = "portal/ticket_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guest"] = True
        return context

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class GuestLinkRequestView(PortalPage):
    """My link expired: ask for a fresh one with the e-mail address and the ticket reference."""

    template_name = "portal/guest_link.html"


def legacy_guest_link(request, token):
    """Links from before private links moved into the fragment no longer open anything."""
    return redirect("portal:guest_link")


@method_decorator(ensure_csrf_cookie, name="dispatch")
class PortalLoginView(TwoFactorLoginMixin, LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    code_step_url = "/login/code/"


# --- Error pages (support_desk/urls.py: handler403, handler404, handler500) -------------------------
# Pages get the branded templates/403.html, 404.html and 500.html; the API answers in JSON as its
# own errors do. 500.html is rendered with no context (no request, user or database): whatever
# failed may be the database.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return defaults.permission_denied(request, exception)


# The database unreachable (restarting, failing over, out of connections): a 503 with Retry-After
# straight away, never a 500 page; nothing here may touch the database. Django calls handler500
# inside the `except` that caught the error, so sys.exc_info() is the request's exception.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    message = _("Something went wrong on our side. Please try again in a moment.")
    if isinstance(error, DATABASE_UNAVAILABLE):
        if _is_api(request):
            response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return JsonResponse({"detail": message}, status=500)
    return defaults.server_error(request)


# --- The customer's account: profile, e-mail confirmation, password reset ---------------------


class AccountView(LoginRequiredMixin, StaffToDeskMixin, PortalPage):
    """Language, time zone, notification e-mail, anti-phishing code, password, sessions: the page's
    script reads and writes them through `account/` and its sub-resources."""

    template_name = "portal/account.html"

    def desk_url(self) -> str:
        return f"{DESK_QUEUE_URL}security/"


@method_decorator(never_cache, name="dispatch")
class EmailConfirmView(TemplateView):
    """The link mailed to a new address. Opening it shows a button (a link scanner's GET changes
    nothing); pressing it moves the account's mail there and tells the old address."""

    template_name = "portal/account_email_confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            _user, context["new_email"] = email_change_pending(self.kwargs["token"])
        except DomainError as error:
            context["error"] = error.message
        return context

    def post(self, request, token):
        try:
            user_email_change_confirm(token=token, now=timezone.now())
        except DomainError as error:
            return self.render_to_response({"error": error.message}, status=400)
        return self.render_to_response({"confirmed": True})


class PortalPasswordResetView(PasswordResetView):
    """Django's reset flow in the portal's look. The same answer whether or not the address has an
    account; limited per client IP (a 429 page) and per address (quietly: no more mails to it)."""

    template_name = "portal/password_reset.html"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        ip_throttle = AccountMailIpThrottle()
        if not ip_throttle.allow_request(self.request, None):
            wait = max(int(ip_throttle.wait() or 60), 1)
            message = _("Too many reset requests from your connection. Try again in %(minutes)d minutes.") % {
                "minutes": max(wait // 60, 1)
            }
            response = render(self.request, "accounts/locked_out.html", {"message": message}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if AccountMailEmailThrottle().allow_request(self.request, None):
            password_reset_request(email=form.cleaned_data["email"], now=timezone.now())
        return redirect(self.success_url)


class PortalPasswordResetDoneView(PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PortalPasswordResetConfirmView(PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")

    def form_valid(self, form):
        user_password_reset_complete(
            user=form.user, new_password=form.cleaned_data["new_password1"], now=timezone.now()
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)


class PortalPasswordResetCompleteView(PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"
