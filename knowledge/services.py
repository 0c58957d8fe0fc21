"""Help-center votes, the public "is this really us?" check, and the official-contacts list.

The list is written by team leads and admins, from the desk (knowledge.api.contacts) and from the
Django admin (knowledge.admin) alike: both call the functions here, so who may write it, how a
value is normalised and what counts as a duplicate live in one place. A value is stored the way
verify_contact normalises what a customer pastes, so the two always compare like with like.
"""

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.audit import admin_log
from accounts.models import User
from accounts.roles import sees_every_team

from .exceptions import OfficialContactForbidden, OfficialContactInvalid
from .models import Article, OfficialContact

Channel = OfficialContact.Channel


def article_vote(*, article: Article, helpful: bool) -> Article:
    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return article


# --- Normalisation: one function per channel, used to guess (verify) and to store (the list) ------

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TELEGRAM_PREFIXES = ("@", "t.me/", "https://t.me/", "http://t.me/")
# Telegram's own rule for a public username: 5 to 32 letters, digits and underscores, from a letter.
TELEGRAM_HANDLE = re.compile(r"[a-z][a-z0-9_]{4,31}")
PHONE_SEPARATORS = re.compile(r"[\s().-]")
PHONE = re.compile(r"\+?[0-9]{6,16}")
HOSTNAME = re.compile(r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")


def _email(text: str) -> str:
    return text.strip().lower().removeprefix("mailto:")


def _telegram(text: str) -> str:
    # "@Name", "t.me/Name", "https://t.me/Name/?start=x": the handle, without its query or a slash.
    path = re.split(r"[?#]", text.strip().lower(), maxsplit=1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1].lstrip("@")


def _phone_digits(text: str) -> str:
    # NFKC: the full-width digits and plus sign of a Chinese input method are plain ones.
    return PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip().lower().removeprefix("tel:"))


def _phone(text: str) -> str:
    return _phone_digits(text).removeprefix("+")


def _host(text: str) -> str:
    lower = text.strip().lower()
    try:
        host = urlsplit(lower if "://" in lower else f"//{lower}").hostname or lower
    except ValueError:  # e.g. "http://[": not a URL at all; compared as typed, it matches nothing
        host = lower
    return host.rstrip(".").removeprefix("www.")


NORMALISERS = {Channel.EMAIL: _email, Channel.TELEGRAM: _telegram, Channel.PHONE: _phone, Channel.DOMAIN: _host}


def _classify(contact: str) -> tuple[str, str]:
    """Guess what a pasted contact is and normalise it the way OfficialContact stores it."""
    lower = contact.strip().lower()
    if EMAIL.fullmatch(lower.removeprefix("mailto:")):
        channel = Channel.EMAIL
    elif lower.startswith(TELEGRAM_PREFIXES):
        channel = Channel.TELEGRAM
    elif PHONE.fullmatch(_phone_digits(contact)):
        channel = Channel.PHONE
    else:
        channel = Channel.DOMAIN
    return channel, NORMALISERS[channel](contact)


def contact_normalise(*, channel: str, value: str) -> str:
    """`value` as stored for `channel`, or OfficialContactInvalid on `value` when it is not one."""
    if channel not in Channel.values:
        raise OfficialContactInvalid(_("Choose e-mail, domain, phone or Telegram."), field="channel")
    normalised = NORMALISERS[channel](value)
    if channel == Channel.EMAIL and not EMAIL.fullmatch(normalised):
        raise OfficialContactInvalid(_("Enter an e-mail address, such as support@example.com."), field="value")
    if channel == Channel.TELEGRAM and not TELEGRAM_HANDLE.fullmatch(normalised):
        raise OfficialContactInvalid(
            _("Enter a Telegram username: 5 to 32 letters, digits or underscores, such as @ExchangeSupport."),
            field="value",
        )
    if channel == Channel.PHONE and not PHONE.fullmatch(_phone_digits(value)):
        raise OfficialContactInvalid(
            _("Enter a phone number of 6 to 16 digits, such as +1 800 555 0199."), field="value"
        )
    if channel == Channel.DOMAIN:
        if "@" in value:
            raise OfficialContactInvalid(
                _("This is an e-mail address: choose the e-mail channel, or enter only its domain."), field="value"
            )
        if not normalised.isascii():
            raise OfficialContactInvalid(_("Enter the domain in its ASCII form (xn--…)."), field="value")
        if not HOSTNAME.fullmatch(normalised):
            raise OfficialContactInvalid(_("Enter a domain such as example.com (a link works too)."), field="value")
    max_length = OfficialContact._meta.get_field("value").max_length
    if len(normalised) > max_length:
        raise OfficialContactInvalid(_("At most %(count)d characters.") % {"count": max_length}, field="value")
    return normalised


# --- The public check -------------------------------------------------------------------------------


def _public(contact: OfficialContact) -> dict[str, str]:
    return {"channel": contact.channel, "value": contact.value, "label": contact.label}


def verify_contact(*, contact: str) -> dict:
    """Is `contact` one of ours? For one that is not, the active official contacts of its kind
    (for an e-mail address: the addresses and the domains) so the person can compare."""
    channel, value = _classify(contact)
    official = OfficialContact.objects.filter(is_active=True)
    kinds = [Channel.EMAIL, Channel.DOMAIN] if channel == Channel.EMAIL else [channel]
    candidates = list(official.filter(channel__in=kinds))
    if channel == Channel.EMAIL:
        domain = value.rsplit("@", 1)[1]
        match = next((c for c in candidates if c.channel == channel and c.value == value), None) or next(
            (c for c in candidates if c.channel == Channel.DOMAIN and c.value == domain), None
        )
    elif channel == Channel.DOMAIN:
        # A look-alike such as "exchange-support.example.evil" must not pass: exact host or a subdomain.
        match = next((c for c in candidates if value == c.value or value.endswith("." + c.value)), None)
    else:
        match = next((c for c in candidates if c.value == value), None)
    if match is not None:
        message = _("This is an official contact of our support team.")
    else:
        message = _(
            "This is NOT one of our official contacts. Do not send it money, passwords, 2FA codes, "
            "your seed phrase or private keys, and report it to us."
        )
    return {
        "contact": contact,
        "official": match is not None,
        "channel": channel,
        "message": message,
        "match": _public(match) if match is not None else None,
        "official_contacts": [] if match is not None else [_public(c) for c in candidates],
    }


# --- The list: writes by leads and admins -----------------------------------------------------------


def official_contact_can_manage(user: User) -> bool:
    return sees_every_team(user)


def official_contact_check_actor(actor: User) -> None:
    if not official_contact_can_manage(actor):
        raise OfficialContactForbidden(_("Only team leads and admins can change the official contacts."))


def official_contact_clean(*, channel: str, value: str, instance: OfficialContact | None = None) -> str:
    """The normalised value, checked against the list (another row with it: 400 on `value`)."""
    normalised = contact_normalise(channel=channel, value=value)
    others = OfficialContact.objects.filter(channel=channel, value=normalised)
    if instance is not None and instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        raise _duplicate(normalised)
    return normalised


def _duplicate(value: str) -> OfficialContactInvalid:
    return OfficialContactInvalid(
        _("This contact is already in the list (as %(value)s).") % {"value": value}, field="value"
    )


def _save(contact: OfficialContact) -> None:
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            contact.save()
    except IntegrityError as error:  # the same value saved at the same moment by someone else
        raise _duplicate(contact.value) from error


def _field_names(names: list[str]) -> list[str]:
    # Stored untranslated, as the admin stores its own change messages; the history translates them.
    with translation.override(None):
        return [str(capfirst(OfficialContact._meta.get_field(name).verbose_name)) for name in names]


@transaction.atomic
def official_contact_create(
    *,
    actor: User,
    channel: str,
    value: str,
    label: str = "",
    is_active: bool = True,
    change_message: str | list | None = None,
) -> OfficialContact:
    official_contact_check_actor(actor)
    contact = OfficialContact(
        channel=channel,
        value=official_contact_clean(channel=channel, value=value),
        label=label.strip(),
        is_active=is_active,
    )
    _save(contact)
    admin_log(
        actor=actor,
        obj=contact,
        flag=ADDITION,
        message=[{"added": {}}] if change_message is None else change_message,
    )
    return contact


CONTACT_FIELDS = ("channel", "value", "label", "is_active")


@transaction.atomic
def official_contact_update(
    *,
    contact: OfficialContact,
    actor: User,
    changes: dict[str, Any],
    change_message: str | list | None = None,
) -> OfficialContact:
    """Change some of `channel`, `value`, `label`, `is_active`. A new channel re-reads the value
    (the given one, else the stored one) as a value of that channel."""
    official_contact_check_actor(actor)
    locked = OfficialContact.objects.select_for_update().get(pk=contact.pk)
    before = {name: getattr(locked, name) for name in CONTACT_FIELDS}
    if "channel" in changes or "value" in changes:
        locked.channel = changes.get("channel", locked.channel)
        locked.value = official_contact_clean(
            channel=locked.channel, value=changes.get("value", locked.value), instance=locked
        )
    if "label" in changes:
        locked.label = changes["label"].strip()
    if "is_active" in changes:
        locked.is_active = changes["is_active"]
    changed = [name for name in CONTACT_FIELDS if getattr(locked, name) != before[name]]
    if changed:
        _save(locked)
    if change_message is None:
        change_message = [{"changed": {"fields": _field_names(changed)}}] if changed else []
    admin_log(actor=actor, obj=locked, flag=CHANGE, message=change_message)
    return locked


@transaction.atomic
def official_contact_delete(*, contact: OfficialContact, actor: User) -> None:
    """Gone from the list and from the check at once (to keep it but stop accepting it, make it
    inactive instead); the admin's history keeps who deleted what."""
    official_contact_check_actor(actor)
    locked = OfficialContact.objects.select_for_update().get(pk=contact.pk)
    admin_log(actor=actor, obj=locked, flag=DELETION, message="")
    locked.delete()
