from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import Category


class Article(models.Model):
    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH_HANS = "zh-hans", _("Simplified Chinese")

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.EN)
    is_published = models.BooleanField(_("published"), default=False)
    helpful_count = models.PositiveIntegerField(_("helpful votes"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful votes"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-helpful_count", "title"]
        indexes = [models.Index(fields=["is_published", "language"], name="article_published_idx")]
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    def __str__(self) -> str:
        return self.title


class OfficialContact(models.Model):
    """The desk's real contact points, for the public "is this really support?" checker."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail address")
        DOMAIN = "domain", _("Web or e-mail domain")
        PHONE = "phone", _("Phone number")
        TELEGRAM = "telegram", _("Telegram account")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    value = models.CharField(_("value"), max_length=200, help_text=_("Stored normalised: lower case, no @ or spaces."))
    label = models.CharField(_("label"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["channel", "value"]
        constraints = [models.UniqueConstraint(fields=["channel", "value"], name="official_contact_unique")]
        verbose_name = _("official contact")
        verbose_name_plural = _("official contacts")

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.value}"
