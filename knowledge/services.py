import re
from urllib.parse import urlsplit

from django.db.models import F
from django.utils.translation import gettext as _

from .models import Article, OfficialContact


def article_vote(*, article: Article, helpful: bool) -> Article:
    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return article


def _classify(contact: str) -> tuple[str, str]:
    """Guess what a pasted contact is and normalise it the way OfficialContact stores it."""
    text = contact.strip()
    lower = text.lower()
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", lower):
        return OfficialContact.Channel.EMAIL, lower
    if lower.startswith(("@", "t.me/", "https://t.me/", "http://t.me/")):
        handle = lower.rsplit("/", 1)[-1].lstrip("@")
        return OfficialContact.Channel.TELEGRAM, handle
    digits = re.sub(r"[\s().-]", "", text)
    if re.fullmatch(r"\+?\d{6,16}", digits):
        return OfficialContact.Channel.PHONE, digits.lstrip("+")
    host = urlsplit(lower if "://" in lower else f"//{lower}").hostname or lower
    return OfficialContact.Channel.DOMAIN, host.removeprefix("www.")


def verify_contact(*, contact: str) -> dict:
    channel, value = _classify(contact)
    official = OfficialContact.objects.filter(is_active=True)
    if channel == OfficialContact.Channel.EMAIL:
        domain = value.rsplit("@", 1)[1]
        found = (
            official.filter(channel=channel, value=value).exists()
            or official.filter(channel=OfficialContact.Channel.DOMAIN, value=domain).exists()
        )
    elif channel == OfficialContact.Channel.DOMAIN:
        # A look-alike such as "exchange-support.example.evil" must not pass: exact host or a subdomain.
        found = any(
            value == d or value.endswith("." + d)
            for d in official.filter(channel=channel).values_list("value", flat=True)
        )
    else:
        found = official.filter(channel=channel, value=value).exists()
    if found:
        message = _("This is an official contact of our support team.")
    else:
        message = _(
            "This is NOT one of our official contacts. Do not send it money, passwords, 2FA codes, "
            "your seed phrase or private keys, and report it to us."
        )
    return {"contact": contact, "official": found, "channel": channel, "message": message}
