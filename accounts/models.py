from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person using the desk. The role comes from group membership (see accounts.roles)."""

    email = models.EmailField(_("e-mail address"), blank=True, db_index=True)
    # Raised by "log out of all sessions" (accounts.services.user_sessions_revoke): every session
    # signed with the previous value stops matching, on every device, without a scan of sessions.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        if not self.session_generation:
            # Generation 0 keeps Django's own hash, so sessions from before this field stay valid.
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class CustomerProfile(models.Model):
    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        VIP = "vip", _("VIP")
        INSTITUTIONAL = "institutional", _("Institutional")

    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH_HANS = "zh-hans", _("Simplified Chinese")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="customer_profile")
    exchange_uid = models.CharField(_("exchange UID"), max_length=64, blank=True, db_index=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.EN)
    anti_phishing_code = models.CharField(
        _("anti-phishing code"),
        max_length=32,
        blank=True,
        help_text=_("Shown in every e-mail the desk sends, so the customer can tell it is real."),
    )
    # An IANA name (Europe/Berlin, Asia/Shanghai); empty: the browser's own time zone.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_tier_display()})"


class AgentProfile(models.Model):
    class Tier(models.TextChoices):
        TIER1 = "tier1", _("Tier 1")
        TIER2 = "tier2", _("Tier 2")
        SPECIALIST = "specialist", _("Specialist")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent_profile")
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.TIER1)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # Automatic assignment (tickets.routing) only chooses agents marked available.
    available = models.BooleanField(
        _("available"), default=False, help_text=_("Set by the agent in the desk: available or away.")
    )
    available_changed_at = models.DateTimeField(_("availability changed at"), null=True, blank=True)
    max_open_tickets = models.PositiveSmallIntegerField(
        _("open tickets cap"),
        null=True,
        blank=True,
        help_text=_("Automatic assignment skips an agent who holds this many open tickets. Empty: no cap."),
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_tier_display()})"
