"""Saved queue views: a name for a set of queue filters, a sort and the columns shown.

A personal view belongs to the agent who saved it; a team view (shared by a lead) to a team, and
every member sees it. Exactly one of `owner` and `team` is set. Who may write which is decided in
desk.services, for the API and the admin alike.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    class Sort(models.TextChoices):
        # The order GET queue/ serves (its keyset pagination and ticket_open_queue_idx); another
        # order needs the queue API and an index first.
        SLA_DUE = "sla_due", _("Nearest SLA due time first")

    class Column(models.TextChoices):
        SLA = "sla", _("SLA")
        PRIORITY = "priority", _("Priority")
        SUBJECT = "subject", _("Ticket")
        CATEGORY = "category", _("Category")
        AMOUNT = "amount", _("Amount")
        TIER = "tier", _("Tier")
        STATUS = "status", _("Status")
        TEAM = "team", _("Team / assignee")

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personal view of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    team = models.ForeignKey(
        "tickets.Team",
        verbose_name=_("shared with team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    filters = models.JSONField(
        _("filters"),
        default=dict,
        blank=True,
        help_text=_('The query parameters of GET queue/, e.g. {"status": "new"}.'),
    )
    sort = models.CharField(_("sort"), max_length=16, choices=Sort.choices, default=Sort.SLA_DUE)
    columns = models.JSONField(_("columns"), default=list, blank=True, help_text=_("Empty: every column."))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner__isnull=False) & Q(team__isnull=True))
                | (Q(owner__isnull=True) & Q(team__isnull=False)),
                name="saved_view_personal_xor_team",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.owner_id is None) == (self.team_id is None):
            raise ValidationError(_("A view is either personal (an owner) or shared with a team, not both."))

    @property
    def scope(self) -> str:
        return "team" if self.team_id is not None else "personal"
