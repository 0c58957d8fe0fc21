import secrets
import uuid
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from support_desk.compiled_insert import CompiledInsert


def lease_free(now: datetime) -> models.Q:
    """Rows no worker holds at `now`: never leased, or their lease ran out (outbox rows and
    webhook deliveries alike)."""
    return models.Q(locked_until__isnull=True) | models.Q(locked_until__lt=now)


class OutboxMessage(CompiledInsert, models.Model):
    """A side effect (e-mail, webhook) written in the same transaction as its cause.

    The relay hands the row to Celery after commit; the periodic drain retries what is
    left. Delivery is at least once; the row's id makes its effect idempotent.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")
        EMAIL_BATCH = "email_batch", _("Batch of e-mails (fanned out by a worker)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Queue(models.TextChoices):
        # Celery queues (CELERY_TASK_ROUTES): a broadcast's thousands of rows go to `bulk`, so
        # they never wait in front of a ticket's mail or an escalation.
        NOTIFICATIONS = "notifications", _("Notifications")
        BULK = "bulk", _("Bulk")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    purpose = models.CharField(_("purpose"), max_length=64, blank=True)
    queue = models.CharField(_("queue"), max_length=16, choices=Queue.choices, default=Queue.NOTIFICATIONS)
    ticket_reference = models.CharField(_("ticket"), max_length=20, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.subject}"


def _new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A receiver of signed webhooks, subscribed to some event types (managed in the admin).

    The secret signs every delivery (X-Desk-Signature); it is generated here, shown once to the
    admin who creates or rotates it, and never written to a log, an outbox row or an API answer.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, default=_new_webhook_secret, editable=False)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def rotate_secret(self) -> str:
        self.secret = _new_webhook_secret()
        return self.secret


class WebhookDelivery(models.Model):
    """One attempt series of one event to one endpoint: the outbox row of a webhook and its log.

    Written in the transaction of its cause, posted after commit by a worker, retried with
    exponential backoff (next_attempt_at; the periodic drain) until a 2xx or the last attempt.
    A replay is a new row with the same `delivery_id` (X-Desk-Delivery), so a receiver that
    already has it drops it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=64)
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, db_index=True)
    body = models.JSONField(_("body"), default=dict)
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    replay_of = models.ForeignKey(
        "self", verbose_name=_("replay of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.delivery_id})"
