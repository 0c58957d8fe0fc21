"""The customer portal: thin views that render page shells.

Every page gets its data from the public REST API (the same one integrations use), so the
views only pass what the page's JavaScript needs to start: a slug, a reference or a guest token.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import LoginView
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView


@method_decorator(ensure_csrf_cookie, name="dispatch")
class PortalPage(TemplateView):
    """A page whose JavaScript calls the API: the CSRF cookie must be set for its POSTs."""


class HomeView(PortalPage):
    template_name = "portal/home.html"


class ArticleView(PortalPage):
    template_name = "portal/article.html"


class ContactView(PortalPage):
    template_name = "portal/contact.html"


class VerifyView(PortalPage):
    template_name = "portal/verify.html"


class TicketNewView(LoginRequiredMixin, PortalPage):
    template_name = "portal/ticket_new.html"


class TicketListView(LoginRequiredMixin, PortalPage):
    template_name = "portal/ticket_list.html"


@method_decorator(never_cache, name="dispatch")
class TicketDetailView(LoginRequiredMixin, PortalPage):
    template_name = "portal/ticket_detail.html"


class GuestNewView(PortalPage):
    template_name = "portal/guest_new.html"


@method_decorator(never_cache, name="dispatch")
class GuestTicketView(PortalPage):
    """One ticket opened from the mailed link. The token stays in the page: the browser must not
    send it on to anyone (Referer), nor may search engines or shared caches keep the page."""

    template_name = "portal/ticket_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guest_token"] = kwargs["token"]
        return context

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


@method_decorator(ensure_csrf_cookie, name="dispatch")
class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
