from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from .services import outbox_retry
from .webhooks import webhook_endpoint_rotate_secret, webhook_event_choices, webhook_replay


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "purpose", "queue", "recipient", "subject", "status", "attempts"]
    list_filter = ["status", "kind", "queue", "purpose"]
    search_fields = ["recipient", "subject", "ticket_reference", "id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Retry delivery now"))
    def retry_now(self, request, queryset) -> None:
        count = outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)), now=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count) % {"count": count},
        )


class WebhookEndpointForm(forms.ModelForm):
    # The events the domain apps registered (notifications.webhooks.register_webhook_events).
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=webhook_event_choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "event_types", "is_active"]


def _show_secret_once(request, endpoint: WebhookEndpoint, secret: str) -> None:
    # Shown in this one answer for the admin to copy into the receiver; never logged or listed.
    messages.warning(
        request,
        _("Signing secret of %(name)s (shown once; copy it into the receiver now): %(secret)s")
        % {"name": endpoint.name, "secret": secret},
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "events", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_state", "created_at", "updated_at"]
    actions = ["rotate_secret"]

    @admin.display(description=_("event types"))
    def events(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types) or "—"

    @admin.display(description=_("signing secret"))
    def secret_state(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.pk:
            return _("Generated when saved, and shown once.")
        return _("Set; shown once when created or rotated (action “Rotate the signing secret”).")

    def response_add(self, request, obj, post_url_continue=None):
        _show_secret_once(request, obj, obj.secret)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            _show_secret_once(request, endpoint, webhook_endpoint_rotate_secret(endpoint=endpoint))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event",
        "reference",
        "delivery_id",
        "status",
        "status_code",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    search_fields = ["delivery_id", "reference", "event"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_replay_permission(self, request) -> bool:
        # Whoever may change the endpoints may send their deliveries again.
        return request.user.has_perm("notifications.change_webhookendpoint")

    @admin.action(description=_("Replay (same delivery id, signed anew)"), permissions=["replay"])
    def replay(self, request, queryset) -> None:
        rows = webhook_replay(delivery_ids=list(queryset.values_list("pk", flat=True)), now=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", len(rows))
            % {"count": len(rows)},
        )
