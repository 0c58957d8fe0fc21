import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django.views.i18n import set_language as django_set_language
from django_otp.plugins.otp_static.models import StaticDevice

from .audit import account_event
from .lockout import lockout_response
from .models import User
from .services import customer_set_language
from .twofactor import PENDING_SESSION_KEY, needs_second_step, otp_failed, otp_verify


@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice of a logged-in customer (their saved
    language otherwise wins over the cookie on the next page)."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        customer_set_language(user=request.user, language=request.POST.get("language", ""))
    return response


# --- The second login step for enrolled staff (accounts.twofactor) ---------------------------


class TwoFactorLoginMixin:
    """For a LoginView: when the password was right but the user needs a code, the session holds
    only "this user passed the password" (for TWO_FACTOR_STEP_SECONDS) and the browser goes to the
    code step; nobody is logged in until the code is right."""

    code_step_url = ""

    def form_valid(self, form):
        user = form.get_user()
        if needs_second_step(user):
            self.request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect(self.code_step_url)
        return super().form_valid(form)


def pending_login(request) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > settings.TWO_FACTOR_STEP_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


class OTPCodeForm(forms.Form):
    otp_token = forms.CharField(label=_lazy("Code"), max_length=32, strip=True)


@method_decorator([sensitive_post_parameters("otp_token"), csrf_protect, never_cache], name="dispatch")
class CodeStepView(FormView):
    """Step two: the 6-digit code from the authenticator app, or a recovery code."""

    form_class = OTPCodeForm
    template_name = "portal/login_code.html"
    login_url = "/login/"
    extra_context_builder = None

    def dispatch(self, request, *args, **kwargs):
        self.pending = pending_login(request)
        if self.pending is None:
            request.session.pop(PENDING_SESSION_KEY, None)
            return redirect(self.login_url)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.extra_context_builder is not None:
            context.update(self.extra_context_builder(self.request))
        context["login_url"] = self.login_url
        context["pending_username"] = self.pending[0].get_username()
        return context

    def form_valid(self, form):
        user, pending = self.pending
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(self.request, credentials):
            return lockout_response(self.request)
        device = otp_verify(user=user, code=form.cleaned_data["otp_token"])
        if device is None:
            otp_failed(request=self.request, user=user)
            form.add_error("otp_token", _("That code is wrong or has expired. Wait a moment and try again."))
            return self.form_invalid(form)
        del self.request.session[PENDING_SESSION_KEY]
        user.otp_device = device
        auth_login(self.request, user, backend=pending["backend"])
        if isinstance(device, StaticDevice):
            account_event(user=user, actor=user, message="Logged in with a two-factor recovery code.")
        next_url = pending.get("next") or settings.LOGIN_REDIRECT_URL
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={self.request.get_host()}):
            next_url = settings.LOGIN_REDIRECT_URL
        return redirect(next_url)


def _admin_context(request) -> dict:
    from django.contrib import admin

    return {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
    }


class AdminLoginView(TwoFactorLoginMixin, LoginView):
    """/admin/login/: the admin's own form and look, with the second step for enrolled staff."""

    template_name = "admin/login.html"
    authentication_form = AdminAuthenticationForm
    code_step_url = "/admin/login/code/"

    def dispatch(self, request, *args, **kwargs):
        from django.contrib import admin

        if request.method == "GET" and admin.site.has_permission(request):
            return redirect("admin:index")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_admin_context(self.request))
        context["username"] = self.request.user.get_username()
        if REDIRECT_FIELD_NAME not in self.request.GET and REDIRECT_FIELD_NAME not in self.request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index")
        return context

    def get_default_redirect_url(self):
        return reverse("admin:index")


admin_code_step = CodeStepView.as_view(
    template_name="accounts/admin_login_code.html", login_url="/admin/login/", extra_context_builder=_admin_context
)
