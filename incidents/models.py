from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Ticket


def _is_chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


def localized_field(obj: object, field: str, language: str | None = None) -> str:
    """`obj`'s `field` in `language` (the active language by default): its `<field>_zh_hans` in
    Chinese when that is filled in, else the English `field`. For the models and for the frozen
    facts of incidents.snapshot alike."""
    if _is_chinese(language if language is not None else get_language()):
        return getattr(obj, f"{field}_zh_hans") or getattr(obj, field)
    return getattr(obj, field)


class Incident(models.Model):
    """A known problem (e.g. "BTC withdrawals delayed"), shown to customers before they file."""

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", _("Investigating")
        IDENTIFIED = "identified", _("Identified")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(_("title"), max_length=200)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    message = models.TextField(_("public message"))
    message_zh_hans = models.TextField(_("public message (Simplified Chinese)"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.INVESTIGATING)
    categories = models.ManyToManyField(Category, verbose_name=_("affected categories"), blank=True, related_name="+")
    assets = models.JSONField(_("affected assets"), default=list, blank=True, help_text=_('e.g. ["BTC"]; empty: all'))
    networks = models.JSONField(_("affected networks"), default=list, blank=True, help_text=_('e.g. ["bitcoin"]'))
    advice = models.TextField(
        _("what customers should do"),
        blank=True,
        help_text=_("Told to every matching new ticket and in each update; empty: a general line."),
    )
    advice_zh_hans = models.TextField(_("what customers should do (Simplified Chinese)"), blank=True)

    class SlaClocks(models.TextChoices):
        KEEP = "keep", _("Keep running")
        PAUSE = "pause", _("Pause while linked")

    sla_clocks = models.CharField(
        _("SLA clocks of linked tickets"),
        max_length=8,
        choices=SlaClocks.choices,
        default=SlaClocks.KEEP,
        help_text=_("Pause: the linked tickets' SLA clocks stop until the incident is resolved or they are unlinked."),
    )
    eta = models.DateTimeField(_("expected fix"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        # Moved from the tickets app with a state-only migration: the table (and its
        # tickets_incident_categories join table) keep their names, so no row moves.
        db_table = "tickets_incident"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"], name="incident_status_idx")]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title

    def localized(self, field: str, language: str | None = None) -> str:
        """The field in `language` (the active language by default), English when not translated."""
        return localized_field(self, field, language)

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.RESOLVED

    # For templates, which cannot pass the field name.
    @property
    def localized_title(self) -> str:
        return self.localized("title")

    @property
    def localized_message(self) -> str:
        return self.localized("message")

    @property
    def localized_advice(self) -> str:
        return self.localized("advice")


class IncidentUpdate(models.Model):
    """A timestamped public update: the status and ETA from then on, and what is said, in both
    languages. Posting one broadcasts it to every linked ticket (incidents.broadcast), whose
    progress is kept here so a restarted worker continues where it stopped."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=16, choices=Incident.Status.choices)
    eta = models.DateTimeField(_("expected fix"), null=True, blank=True)
    body = models.TextField(_("update"))
    body_zh_hans = models.TextField(_("update (Simplified Chinese)"), blank=True)
    created_at = models.DateTimeField(_("posted at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The broadcast: linked tickets (by id, ascending) up to `broadcast_cursor` have their message
    # and e-mail; each batch advances it in the transaction that writes them.
    broadcast_cursor = models.BigIntegerField(default=0, editable=False)
    broadcast_sent = models.PositiveIntegerField(_("tickets reached"), default=0, editable=False)
    broadcast_done_at = models.DateTimeField(_("broadcast finished at"), null=True, blank=True, editable=False)
    # Solve the linked open tickets with this update as the final message (the resolve's option).
    solve_tickets = models.BooleanField(_("solve linked tickets"), default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["incident", "-created_at"], name="incident_update_idx")]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.status} {self.created_at:%Y-%m-%d %H:%M}"

    def localized(self, language: str | None = None) -> str:
        return localized_field(self, "body", language)


class IncidentLink(models.Model):
    """A ticket belongs to at most one incident (the unique ticket), linked by a rule of the
    matcher (incidents.matching) or by a person; the rule is kept so the link explains itself."""

    class Rule(models.TextChoices):
        CATEGORY = "category", _("Category matched")
        CATEGORY_ASSET = "category_asset", _("Category and asset matched")
        CATEGORY_NETWORK = "category_network", _("Category and network matched")
        CATEGORY_ASSET_NETWORK = "category_asset_network", _("Category, asset and network matched")
        ASSET = "asset", _("Asset matched")
        NETWORK = "network", _("Network matched")
        ASSET_NETWORK = "asset_network", _("Asset and network matched")
        MANUAL = "manual", _("Linked by hand")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="incident_link")
    rule = models.CharField(_("rule"), max_length=32, choices=Rule.choices)
    linked_at = models.DateTimeField(_("linked at"))
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["incident", "ticket"], name="incident_link_idx")]
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")

    def __str__(self) -> str:
        return f"{self.incident_id} ← {self.ticket_id} ({self.rule})"
