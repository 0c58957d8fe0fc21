"""Staff two-factor authentication with django-otp: a TOTP device (an authenticator app) and a
static device holding single-use recovery codes.

Who: agents, leads and admins with a confirmed TOTP device always get the second step, on every
login path (the portal's /login/, /admin/login/, `auth/token/`). With `STAFF_2FA_REQUIRED` every
staff member must enrol before the desk, the admin or a token is theirs. Customers never.

Sessions: each one carries its two-factor state (SESSION_STATE), written when it logs in, so the
check on later requests costs no query. A session of an enrolled staff member that did not pass
the second step (a login path that bypassed it) is ended by StaffTwoFactorMiddleware. Enrolling
raises the user's session generation, so sessions opened before enrolment end too.
"""

import re
from datetime import datetime
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from support_desk.errors import DomainError

from .audit import account_event
from .models import User
from .roles import is_staff_member

SESSION_STATE = "desk_2fa"
CUSTOMER, STAFF, STAFF_VERIFIED, STAFF_UNVERIFIED = "customer", "staff", "staff-verified", "staff-unverified"
PENDING_SESSION_KEY = "desk_2fa_pending"
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
_TOTP_CODE = re.compile(r"^[0-9]{6}$")


class TwoFactorError(DomainError):
    code = "otp_invalid"

    def __init__(self, message: str, *, field: str | None = "otp") -> None:
        super().__init__(message, field=field)


# --- Who needs what ---------------------------------------------------------------------------


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_step(user: User) -> bool:
    """The password alone does not log this user in."""
    return is_staff_member(user) and is_enrolled(user)


def must_enrol(user: User) -> bool:
    """Staff without a device while the deployment requires one."""
    return bool(settings.STAFF_2FA_REQUIRED) and is_staff_member(user) and not is_enrolled(user)


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()


def otp_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts the code, or None. Six digits are checked against the authenticator
    app, anything else against the recovery codes (a used recovery code is deleted). django-otp's
    per-device throttle (1, 2, 4, 8… seconds after each failure) refuses codes while it runs."""
    code = normalise_code(code)
    if not code or len(code) > 16:
        return None
    model = TOTPDevice if _TOTP_CODE.match(code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def otp_failed(*, request: HttpRequest, user: User) -> None:
    """A wrong code counts as a failed login for django-axes (per account and client), like a
    wrong password: five of either lock that account out from that client."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def otp_verify_for_token(*, request: HttpRequest, user: User, code: str | None) -> None:
    """`auth/token/`: the `otp` field for enrolled staff. Raises TwoFactorError (400, field `otp`)."""
    if must_enrol(user):
        raise TwoFactorError(
            _("Staff must set up two-factor authentication in the desk (Security) before using the API."),
            field="non_field_errors",
        )
    if not needs_second_step(user):
        return
    if not code:
        raise TwoFactorError(
            _(
                "This account uses two-factor authentication: send the 6-digit code from the authenticator app, "
                "or a recovery code, as otp."
            )
        )
    if otp_verify(user=user, code=code) is None:
        otp_failed(request=request, user=user)
        raise TwoFactorError(_("The two-factor code is wrong or has expired. Wait a moment and try again."))


# --- Enrolment (services) ---------------------------------------------------------------------


@transaction.atomic
def staff_totp_begin(*, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator device (any earlier unconfirmed one is replaced)."""
    if not is_staff_member(user):
        raise TwoFactorError(_("Two-factor authentication here is for support staff."), field=None)
    if is_enrolled(user):
        raise TwoFactorError(_("Two-factor authentication is already on."), field=None)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def pending_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _index in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def staff_totp_confirm(*, request: HttpRequest, user: User, code: str, now: datetime) -> list[str]:
    """The first code from the app proves it was set up: the device is confirmed, recovery codes
    are made (returned once, to be shown once), this session counts as verified, and every other
    session of the user ends (it never passed a second step)."""
    device = pending_totp(user)
    if device is None:
        raise TwoFactorError(_("Start the set-up again: no authenticator is waiting for a code."), field=None)
    if not _TOTP_CODE.match(normalise_code(code)) or not device.verify_token(normalise_code(code)):
        raise TwoFactorError(_("That code does not match. Check the app's clock and enter the current code."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _restart_sessions(request=request, user=user, device=device)
    account_event(user=user, actor=user, message="Two-factor authentication turned on (authenticator app).")
    return codes


@transaction.atomic
def staff_recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes for a current code from the app; the old ones stop working."""
    if not is_enrolled(user):
        raise TwoFactorError(_("Two-factor authentication is not on."), field=None)
    if not isinstance(otp_verify(user=user, code=code), TOTPDevice):
        raise TwoFactorError(_("Enter the current 6-digit code from your authenticator app."))
    codes = _new_recovery_codes(user)
    account_event(user=user, actor=user, message="New two-factor recovery codes made; the old ones no longer work.")
    return codes


@transaction.atomic
def staff_two_factor_disable(*, user: User, code: str, actor: User) -> None:
    """Turn two-factor off with a current code (or a recovery code). Refused when required."""
    if settings.STAFF_2FA_REQUIRED:
        raise TwoFactorError(_("Two-factor authentication is required for staff and cannot be turned off."), field=None)
    if otp_verify(user=user, code=code) is None:
        raise TwoFactorError(_("That code does not match."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    account_event(user=user, actor=actor, message="Two-factor authentication turned off.")


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def qr_svg(text: str) -> str:
    """The QR code of `text` as an inline SVG (a path, no script, no external reference)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def _restart_sessions(*, request: HttpRequest, user: User, device: Device) -> None:
    User.objects.filter(pk=user.pk).update(session_generation=user.session_generation + 1)
    user.session_generation += 1
    update_session_auth_hash(request, user)
    otp_login(request, device)
    request.session[SESSION_STATE] = STAFF_VERIFIED


# --- Sessions ---------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="accounts.two_factor_session_state")
def _session_state_on_login(sender, request, user: User, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(user, "otp_device", None) is not None:
        # Our second step logged in with a device: django-otp keeps it in the session too.
        session[SESSION_STATE] = STAFF_VERIFIED
    elif needs_second_step(user):
        session[SESSION_STATE] = STAFF_UNVERIFIED
    else:
        session[SESSION_STATE] = STAFF if is_staff_member(user) else CUSTOMER


def _session_state(request: HttpRequest) -> str:
    state = request.session.get(SESSION_STATE)
    if state is None:
        # A session from before this check: decide once and remember.
        user = request.user
        if request.session.get(DEVICE_ID_SESSION_KEY) and request.user.is_verified():
            state = STAFF_VERIFIED
        elif needs_second_step(user):
            state = STAFF_UNVERIFIED
        else:
            state = STAFF if is_staff_member(user) else CUSTOMER
        request.session[SESSION_STATE] = state
    return state


# Where staff who must enrol may still go: the security page itself, logging out, the language
# switch, static files and the JavaScript catalogue.
ENROL_ALLOWED_PREFIXES = ("/desk/security/", "/logout/", "/i18n/", "/static/", "/jsi18n/", "/api/v1/auth/logout/")
ENROL_ENFORCED_PREFIXES = ("/desk/", "/admin/", "/api/")


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = _session_state(request)
            if state == STAFF_UNVERIFIED:
                logout(request)
                return self._refuse(request, _("Log in again with your two-factor code."))
            if (
                state == STAFF
                and settings.STAFF_2FA_REQUIRED
                and request.path.startswith(ENROL_ENFORCED_PREFIXES)
                and not request.path.startswith(ENROL_ALLOWED_PREFIXES)
            ):
                if is_enrolled(user):
                    # Enrolled in another session since: this one never passed the second step.
                    logout(request)
                    return self._refuse(request, _("Log in again with your two-factor code."))
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": _("Set up two-factor authentication in the desk (Security) first."),
                            "code": "two_factor_enrolment_required",
                        },
                        status=403,
                    )
                return redirect("desk:security")
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "two_factor_required"}, status=401)
        login_url = "/admin/login/" if request.path.startswith("/admin/") else settings.LOGIN_URL
        return redirect(f"{login_url}?next={request.path}")
