"""The agent desk: thin views that render page shells for staff.

Every page gets its data from the REST API (the same one integrations use); a view only checks who
may open it and passes what the page's JavaScript needs to start: a reference, and the read-only
reference data for its controls (desk.bootstrap), which the page would otherwise fetch.
"""

import textwrap
from base64 import b32encode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from accounts import twofactor
from accounts.roles import is_staff_member, sees_every_team
from knowledge.models import OfficialContact

from .bootstrap import desk_reference_data


@method_decorator([ensure_csrf_cookie, never_cache], name="dispatch")
class DeskPage(TemplateView):
    """Staff only: anonymous visitors log in first (and come back), customers get a 403 page that
    leads them to the portal."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_staff_member(request.user):
            return render(request, "desk/forbidden.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachment_max_bytes"] = getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
        context["reference_data"] = desk_reference_data(user=self.request.user)
        return context


class QueueView(DeskPage):
    template_name = "desk/queue.html"


class TicketView(DeskPage):
    template_name = "desk/ticket.html"


class IncidentsView(DeskPage):
    """Incidents: every agent sees them with their linked tickets' counts (and opens the queue on
    one); leads and admins create, edit, post updates (with a preview in both languages) and
    resolve, optionally solving the linked tickets (the data: incidents/desk/ and the incident
    API, whose rules are incidents.services')."""

    template_name = "desk/incidents.html"

    def get_context_data(self, **kwargs):
        from incidents.models import Incident
        from incidents.services import can_manage
        from tickets.models import Category

        context = super().get_context_data(**kwargs)
        context["can_manage"] = can_manage(self.request.user)
        context["statuses"] = Incident.Status.choices
        context["sla_choices"] = Incident.SlaClocks.choices
        context["categories"] = Category.objects.filter(is_active=True).order_by("position", "code")
        return context


class MacrosView(DeskPage):
    """Personal and shared macros: list, write with a live preview, delete (tickets.macros decides
    who may write which; the page only offers what the API will accept)."""

    template_name = "desk/macros.html"


class LeadsPage(DeskPage):
    """A page for leads and admins only (the API behind it answers agents 403 too); an agent gets
    the desk's 403 page, which says what the page is for and leads back to the queue."""

    forbidden_reason = "leads"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_staff_member(request.user) and not sees_every_team(request.user):
            return render(request, "desk/forbidden.html", {"reason": self.forbidden_reason}, status=403)
        return super().dispatch(request, *args, **kwargs)


class ReportsView(LeadsPage):
    """The SLA report for leads and admins (the data: GET reports/sla/, the same rule as the API:
    IsLeadOrAdmin)."""

    template_name = "desk/reports.html"


class OfficialContactsView(LeadsPage):
    """The official contacts the public "is this really us?" check accepts: listed, added, changed,
    made inactive and deleted by leads and admins (the data: official-contacts/; the rule:
    knowledge.services)."""

    template_name = "desk/contacts.html"
    forbidden_reason = "contacts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = OfficialContact.Channel.choices
        return context


class AccessView(LeadsPage):
    """The access review for leads and admins (issue 12, item 6): who of the staff opened which
    ticket and when, and who revealed a customer's data and why, filtered by agent and ticket (the
    data: GET staff-access/ and staff-access/reveals/, IsLeadOrAdmin)."""

    template_name = "desk/access.html"
    forbidden_reason = "access"


class ComplaintsView(LeadsPage):
    """The complaints register and report for leads and admins (the data: GET complaints/ and
    reports/complaints/, IsLeadOrAdmin)."""

    template_name = "desk/complaints.html"


class SecurityView(DeskPage):
    """Two-factor authentication for the signed-in staff member: set up an authenticator app from
    a QR code, confirm it with a first code, get recovery codes (shown once), make new ones, or
    turn it off. Each action is one accounts.twofactor service."""

    template_name = "desk/security.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        enrolled = twofactor.is_enrolled(user)
        context.update(
            enrolled=enrolled,
            required=settings.STAFF_2FA_REQUIRED,
            recovery_codes_left=twofactor.recovery_codes_left(user) if enrolled else 0,
        )
        pending = None if enrolled else twofactor.pending_totp(user)
        if pending is not None:
            context["setup"] = {
                "qr_svg": mark_safe(twofactor.qr_svg(pending.config_url)),
                "secret": " ".join(textwrap.wrap(b32encode(pending.bin_key).decode(), 4)),
            }
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        extra: dict = {}
        try:
            if action == "begin":
                twofactor.staff_totp_begin(user=request.user)
                return redirect("desk:security")
            if action == "confirm":
                extra["recovery_codes"] = twofactor.staff_totp_confirm(
                    request=request, user=request.user, code=code, now=timezone.now()
                )
                extra["message"] = _("Two-factor authentication is on. Keep these recovery codes somewhere safe.")
            elif action == "regenerate":
                extra["recovery_codes"] = twofactor.staff_recovery_codes_regenerate(user=request.user, code=code)
                extra["message"] = _("New recovery codes. The old ones no longer work.")
            elif action == "disable":
                twofactor.staff_two_factor_disable(user=request.user, code=code, actor=request.user)
                extra["message"] = _("Two-factor authentication is off.")
            else:
                return redirect("desk:security")
        except twofactor.TwoFactorError as error:
            extra.update(error=error.message, failed_action=action)
            return self.render_to_response(self.get_context_data(**extra), status=400)
        return self.render_to_response(self.get_context_data(**extra))
