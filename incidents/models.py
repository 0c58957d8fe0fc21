from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tickets.models import Category


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

    def localized(self, field: str) -> str:
        if (get_language() or "").lower().startswith("zh"):
            return getattr(self, f"{field}_zh_hans") or getattr(self, field)
        return getattr(self, field)
