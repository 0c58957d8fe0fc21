"""The customer portal: thin views that render page shells.

Every page gets its data from the public REST API (the same one integrations use), so the
views only pass what the page's JavaScript needs to start: a slug, a reference or a guest token.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from accounts.roles import is_staff_member


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


class VerifyView(PortalPage):
    template_name = "portal/verify.html"


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
class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


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


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. Please try again in a moment.")}, status=500
        )
    return defaults.server_error(request)
