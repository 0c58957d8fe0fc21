from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxMessage
from .services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "purpose", "recipient", "subject", "status", "attempts"]
    list_filter = ["status", "kind", "purpose"]
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
