import hashlib
import re
import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from notifications.services import LINK_PLACEHOLDER, outbox_enqueue_template
from support_desk.errors import DomainError, ForbiddenError

from .audit import account_event
from .models import AgentProfile, CustomerProfile, User
from .roles import is_staff_member
from .tokens import token_revoke


@transaction.atomic
def customer_set_language(*, user: User, language: str) -> None:
    """The language a customer picked with the switch: saved, so pages and e-mails follow it."""
    if language not in CustomerProfile.Language.values:
        return
    CustomerProfile.objects.filter(user=user).update(language=language)


@transaction.atomic
def agent_set_availability(*, agent: User, available: bool, now: datetime) -> AgentProfile:
    """An agent says they are available for automatic assignment, or away. Going away hands
    nothing back by itself: a lead decides what happens to the agent's open tickets."""
    if not is_staff_member(agent):
        raise ForbiddenError(_("Only support staff can be available for tickets."))
    profile, _created = AgentProfile.objects.select_for_update().get_or_create(user=agent)
    if profile.available != available:
        profile.available = available
        profile.available_changed_at = now
        profile.save(update_fields=["available", "available_changed_at"])
    return profile


# --- The customer's own account (portal: /account/, API: account/) ---------------------------

ANTI_PHISHING_CODE = re.compile(r"^[\w\- ]{4,32}$")
EMAIL_CHANGE_SALT = "accounts.email_change"
PASSWORD_RESET_MINTER = "accounts.password_reset"
EMAIL_CONFIRM_MINTER = "accounts.email_confirm"


def _profile(user: User) -> CustomerProfile:
    profile, _created = CustomerProfile.objects.select_for_update().get_or_create(user=user)
    return profile


def _language(user: User) -> str:
    profile = getattr(user, "customer_profile", None)
    return profile.language if profile is not None else "en"


def _mail_context(user: User, **extra: Any) -> dict[str, Any]:
    profile = CustomerProfile.objects.filter(user=user).first()
    context: dict[str, Any] = {
        "customer_name": user.first_name or user.username,
        "anti_phishing_code": profile.anti_phishing_code if profile else "",
        "site_url": settings.SITE_URL,
        "password_reset_url": f"{settings.SITE_URL}/password-reset/",
    }
    if is_staff_member(user):
        # Staff have no anti-phishing code: no "set one" hint in their account mails.
        context["site_url"] = ""
        context["account_url"] = f"{settings.SITE_URL}/desk/security/"
    else:
        context["account_url"] = f"{settings.SITE_URL}/account/"
    context.update(extra)
    return context


def _mail(*, user: User, to: str, template: str, now: datetime, mint: dict | None = None, **extra: Any) -> None:
    outbox_enqueue_template(
        to=to,
        template=template,
        context=_mail_context(user, **extra),
        language=_language(user),
        purpose=template,
        mint=mint,
        now=now,
    )


@transaction.atomic
def customer_profile_update(
    *,
    user: User,
    language: str | None = None,
    time_zone: str | None = None,
    anti_phishing_code: str | None = None,
) -> CustomerProfile:
    """What a customer changes on their profile page. Only the fields given change; each change
    is recorded for the admin (the anti-phishing code's value is not written to the log)."""
    profile = _profile(user)
    changed: list[str] = []
    if language is not None and language != profile.language:
        if language not in CustomerProfile.Language.values:
            raise DomainError(_("Choose English or Simplified Chinese."), field="language")
        profile.language = language
        changed.append("language")
    if time_zone is not None and time_zone != profile.time_zone:
        if time_zone and time_zone not in zoneinfo.available_timezones():
            raise DomainError(_("Choose a time zone from the list."), field="time_zone")
        profile.time_zone = time_zone
        changed.append("time_zone")
    if anti_phishing_code is not None:
        code = " ".join(anti_phishing_code.split())
        if code != profile.anti_phishing_code:
            if code and not ANTI_PHISHING_CODE.match(code):
                raise DomainError(
                    _("Use 4 to 32 letters, digits, spaces or hyphens (Chinese characters are fine)."),
                    field="anti_phishing_code",
                )
            profile.anti_phishing_code = code
            changed.append("anti_phishing_code")
    if changed:
        profile.save(update_fields=changed)
        account_event(user=user, actor=user, message=f"Changed {', '.join(changed)} on the profile page.")
    return profile


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


@transaction.atomic
def user_email_change_request(*, user: User, new_email: str, password: str, now: datetime) -> None:
    """A confirmation link goes to the new address; nothing changes until it is opened. The
    password is asked again: whoever holds an open session must not move the account's mail."""
    if not user.check_password(password):
        raise DomainError(_("Your password is not right."), field="password")
    new_email = User.objects.normalize_email(new_email.strip())
    if new_email.lower() == (user.email or "").lower():
        raise DomainError(_("That is already your e-mail address."), field="email")
    _mail(
        user=user,
        to=new_email,
        template="account_email_confirm",
        now=now,
        mint={"name": EMAIL_CONFIRM_MINTER, "user_id": user.pk, "email": new_email},
        new_email=new_email,
        confirm_url=LINK_PLACEHOLDER,
        valid_hours=settings.EMAIL_CHANGE_MAX_AGE // 3600,
    )
    account_event(
        user=user,
        actor=user,
        message="Asked to change the notification e-mail; confirmation link sent to the new address.",
    )


def email_confirm_link(mint: dict[str, Any], now: datetime) -> str:
    """Minted by the worker as the confirmation mail is sent: the link is never stored."""
    user = User.objects.get(pk=mint["user_id"])
    token = signing.dumps(
        {"u": user.pk, "e": mint["email"], "o": _email_digest(user.email or "")}, salt=EMAIL_CHANGE_SALT, compress=True
    )
    return f"{settings.SITE_URL}/account/email/confirm/{token}/"


def email_change_pending(token: str) -> tuple[User, str]:
    """The user and new address a confirmation link is for; DomainError when it is no good."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.EMAIL_CHANGE_MAX_AGE)
        user = User.objects.get(pk=data["u"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        raise DomainError(_("This link is not valid or has expired. Ask for a new one from your profile.")) from None
    # The link was made for the address the account had then: once it changed, old links die.
    if data.get("o") != _email_digest(user.email or ""):
        raise DomainError(_("This link is not valid or has expired. Ask for a new one from your profile."))
    return user, str(data["e"])


@transaction.atomic
def user_email_change_confirm(*, token: str, now: datetime) -> User:
    """The new address proved it receives our mail: it becomes the notification e-mail, and the
    old address is told (so a takeover cannot move the mail away unnoticed)."""
    user, new_email = email_change_pending(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    old_email = user.email
    user.email = new_email
    user.save(update_fields=["email"])
    if old_email:
        _mail(user=user, to=old_email, template="account_email_changed", now=now, new_email=new_email)
    account_event(user=user, actor=None, message="Notification e-mail changed (confirmed from the new address).")
    return user


def _password_changed(*, user: User, now: datetime, how: str) -> None:
    # set_password() then save(): accounts.tokens revokes every API token on that save.
    _mail(user=user, to=user.email, template="account_password_changed", now=now)
    account_event(user=user, actor=user, message=f"Password changed ({how}); API tokens revoked.")


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str, now: datetime) -> User:
    if not user.check_password(old_password):
        raise DomainError(_("Your current password is not right."), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except DjangoValidationError as error:
        raise DomainError(" ".join(error.messages), field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _password_changed(user=user, now=now, how="on the profile page")
    return user


@transaction.atomic
def user_password_reset_complete(*, user: User, new_password: str, now: datetime) -> User:
    """The last step of the e-mailed reset (the form has validated the password)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _password_changed(user=user, now=now, how="with a reset link")
    return user


@transaction.atomic
def password_reset_request(*, email: str, now: datetime) -> int:
    """A reset mail to each active account with this address and a usable password; nothing for
    an unknown address. The caller answers the same in both cases. The link is minted when the
    mail is sent, so no reset token sits in the outbox."""
    email = email.strip()
    users = [user for user in User.objects.filter(email__iexact=email, is_active=True) if user.has_usable_password()]
    for user in users:
        _mail(
            user=user,
            to=user.email,
            template="account_password_reset",
            now=now,
            mint={"name": PASSWORD_RESET_MINTER, "user_id": user.pk},
            reset_url=LINK_PLACEHOLDER,
            valid_hours=max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1),
            username=user.get_username(),
        )
        account_event(user=user, actor=None, message="Password reset e-mail sent.")
    return len(users)


def password_reset_link(mint: dict[str, Any], now: datetime) -> str:
    user = User.objects.get(pk=mint["user_id"])
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.SITE_URL}/reset/{uid}/{default_token_generator.make_token(user)}/"


@transaction.atomic
def user_sessions_revoke(*, user: User) -> int:
    """Log out of every session, on every device, and revoke every API token. Returns the number
    of tokens revoked. (The session generation is part of each session's hash: raising it ends
    them all without reading the session table.)"""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoked = token_revoke(user=user)
    account_event(user=user, actor=user, message="Logged out of all sessions; API tokens revoked.")
    return revoked
