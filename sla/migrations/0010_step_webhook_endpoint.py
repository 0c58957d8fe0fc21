"""Escalation steps refer to a webhook endpoint instead of carrying a URL and a secret.

Each distinct (URL, secret) pair of the steps becomes one endpoint (a step with no secret gets a
generated one: every delivery is signed now), subscribed to no event type: it receives the events
of the steps that name it. Webhooks still queued as outbox rows become deliveries to those
endpoints, with their outbox id as the delivery id. Reversible: the steps get their endpoint's URL
and secret back (the endpoints and deliveries stay).
"""

import secrets
from urllib.parse import urlsplit

import django.db.models.deletion
from django.db import migrations, models


def _endpoint_name(url: str, taken: set[str]) -> str:
    base = f"Escalation webhook {urlsplit(url).netloc or url}"[:90]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} #{n}"
    taken.add(name)
    return name


def steps_to_endpoints(apps, schema_editor):
    EscalationStep = apps.get_model("sla", "EscalationStep")
    WebhookEndpoint = apps.get_model("notifications", "WebhookEndpoint")
    WebhookDelivery = apps.get_model("notifications", "WebhookDelivery")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    taken = set(WebhookEndpoint.objects.values_list("name", flat=True))
    endpoints: dict[tuple[str, str], int] = {}
    step_endpoint: dict[int, int] = {}
    for step in EscalationStep.objects.exclude(webhook_url="").order_by("pk"):
        key = (step.webhook_url, step.webhook_secret)
        if key not in endpoints:
            endpoint = WebhookEndpoint.objects.create(
                name=_endpoint_name(step.webhook_url, taken),
                url=step.webhook_url,
                secret=step.webhook_secret or secrets.token_urlsafe(32),
                event_types=[],
                is_active=True,
            )
            endpoints[key] = endpoint.pk
        step.webhook_endpoint_id = endpoints[key]
        step.save(update_fields=["webhook_endpoint"])
        step_endpoint[step.pk] = endpoints[key]
    events = {
        "sla_warning": "ticket.sla_warning",
        "sla_breached": "ticket.sla_breached",
        "escalated": "ticket.escalated",
    }
    for row in OutboxMessage.objects.filter(kind="webhook", status="pending"):
        endpoint_id = step_endpoint.get(row.payload.get("step_id"))
        body = row.payload.get("body", {})
        if endpoint_id is None:
            continue
        event = events.get(body.get("event"), f"ticket.{body.get('event')}")
        WebhookDelivery.objects.create(
            endpoint_id=endpoint_id,
            event=event,
            delivery_id=row.pk,
            body={"id": str(row.pk), "event": event, "occurred_at": body.get("at"), "data": body},
            reference=row.ticket_reference,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
        )
        row.status = "failed"
        row.last_error = "Moved to the webhook deliveries (sla migration 0010)."
        row.save(update_fields=["status", "last_error"])


def endpoints_to_steps(apps, schema_editor):
    EscalationStep = apps.get_model("sla", "EscalationStep")
    for step in EscalationStep.objects.exclude(webhook_endpoint=None).select_related("webhook_endpoint"):
        step.webhook_url = step.webhook_endpoint.url
        step.webhook_secret = step.webhook_endpoint.secret
        step.save(update_fields=["webhook_url", "webhook_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_webhook_endpoints_and_deliveries"),
        ("sla", "0009_breach_index_covers_ticket"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalationstep",
            name="webhook_endpoint",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="notifications.webhookendpoint",
                verbose_name="webhook endpoint",
            ),
        ),
        migrations.RunPython(steps_to_endpoints, endpoints_to_steps),
        migrations.RemoveField(model_name="escalationstep", name="webhook_url"),
        migrations.RemoveField(model_name="escalationstep", name="webhook_secret"),
    ]
