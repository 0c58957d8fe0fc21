from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import macros
from .exceptions import TicketForbidden
from .guest import guest_links_revoke
from .models import (
    AssetThreshold,
    Attachment,
    Category,
    GuestLink,
    InboundEmail,
    Macro,
    Message,
    Satisfaction,
    Team,
    Ticket,
    TicketEvent,
)
from .scoped import ScopedEditAdminMixin


def decimal_text(value: Decimal) -> str:
    """0.250000000000000000 -> "0.25", 100 -> "100" (never "1E+2")."""
    return f"{value.normalize():f}"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author", "kind", "body"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["created_at", "original_name", "content_type", "size", "sha256", "uploaded_by"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["at", "kind", "actor", "data"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "lead", "member_count", "routing"]
    list_filter = ["routing"]
    search_fields = ["code", "name"]
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead").annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, team: Team) -> int:
        return team.member_total


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "default_team", "default_priority", "required_fields", "is_active", "position"]
    list_filter = ["default_team", "default_priority", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["code", "name", "name_zh_hans"]
    list_select_related = ["default_team"]


class AssetThresholdForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.amount is not None:
            self.initial["amount"] = decimal_text(self.instance.amount)


@admin.register(AssetThreshold)
class AssetThresholdAdmin(admin.ModelAdmin):
    form = AssetThresholdForm
    list_display = ["asset", "amount_text"]
    search_fields = ["asset"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_text(self, threshold: AssetThreshold) -> str:
        return decimal_text(threshold.amount)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Support leads look tickets up here; changes go through the API so rules and the audit
    trail apply, so this view is read-only."""

    # Fits a 1366 px laptop beside the navigation and the filters (team, category and requester are
    # filters or one click away on the ticket).
    list_display = ["reference", "subject", "status", "priority", "assignee", "amount_text", "created"]
    list_per_page = 50
    list_filter = [
        "status",
        "priority",
        "team",
        "category",
        "channel",
        "is_complaint",
        ("assignee", admin.EmptyFieldListFilter),
    ]
    search_fields = ["reference", "subject", "txid", "order_id", "address", "requester__username", "requester__email"]
    date_hierarchy = "created_at"
    list_select_related = ["team", "category", "assignee", "requester"]
    inlines = [MessageInline, AttachmentInline, EventInline]
    readonly_fields = ["amount_text" if f.name == "amount" else f.name for f in Ticket._meta.fields]
    exclude = ["amount"]

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, ticket: Ticket) -> str:
        # 2026-12-01 08:30: a third shorter than "Dec. 1, 2026, 8:30 a.m.", and sorts as it reads.
        return timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_text(self, ticket: Ticket) -> str | None:
        if ticket.amount is None:
            return None  # the admin's empty value, as in the other columns
        return f"{decimal_text(ticket.amount)} {ticket.asset}".strip()

    class Media:
        css = {"all": ["tickets/admin.css"]}

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__reference", "body", "author__username"]
    list_select_related = ["ticket", "author"]
    readonly_fields = ["ticket", "author", "kind", "body", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "ticket", "content_type", "size", "sha256", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["ticket__reference", "original_name", "sha256"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["at", "ticket", "kind", "actor"]
    list_filter = ["kind"]
    search_fields = ["ticket__reference", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["ticket", "actor"]
    readonly_fields = ["ticket", "actor", "kind", "data", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MacroAdminForm(forms.ModelForm):
    """The desk's rule (tickets.macros), not only the model's: agents write their own personal
    macros, leads and admins shared ones."""

    user = None  # set per request by MacroAdmin.get_form (ScopedEditAdminMixin)

    def clean(self):
        cleaned = super().clean()
        try:
            macros.macro_check_scope(actor=self.user, owner=cleaned.get("owner"), team=cleaned.get("team"))
        except TicketForbidden as error:
            raise ValidationError(str(error)) from error
        return cleaned


@admin.register(Macro)
class MacroAdmin(ScopedEditAdminMixin, admin.ModelAdmin):
    form = MacroAdminForm
    list_display = ["name", "team", "owner", "internal", "set_status", "set_priority", "is_active", "updated_at"]
    list_filter = ["team", "internal", "is_active"]
    search_fields = ["name", "body"]
    list_select_related = ["team", "owner"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_by", "created_at", "updated_by", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Satisfaction)
class SatisfactionAdmin(admin.ModelAdmin):
    list_display = ["ticket", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["ticket__reference", "comment"]
    list_select_related = ["ticket"]
    readonly_fields = ["ticket", "rating", "comment", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(GuestLink)
class GuestLinkAdmin(admin.ModelAdmin):
    """Private guest links: who got one, when it was used, whether it still works. The secret
    itself exists nowhere (only its hash); staff can revoke."""

    list_display = ["ticket", "email", "created_at", "expires_at", "first_used_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_reason"]
    search_fields = ["ticket__reference", "email"]
    list_select_related = ["ticket"]
    fields = [
        "ticket",
        "email",
        "created_at",
        "expires_at",
        "first_used_at",
        "last_used_at",
        "revoked_at",
        "revoked_reason",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tickets' links"))
    def revoke(self, request, queryset) -> None:
        now = timezone.now()
        tickets = Ticket.objects.filter(pk__in=queryset.values("ticket_id"))
        revoked = sum(
            guest_links_revoke(ticket=ticket, actor=request.user, reason="staff", now=now) for ticket in tickets
        )
        self.message_user(request, _("%(count)d links revoked.") % {"count": revoked})


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every e-mail the desk received (tickets.inbound) and what became of it: a new ticket, a
    reply, or nothing and why (an auto-reply, a bounce...). A record: nobody adds, edits or
    deletes one. The raw message is evidence, not shown here (its SHA-256 is)."""

    list_display = ["received_at", "from_address", "subject", "status", "reason", "matched_by", "ticket"]
    list_filter = ["status", "source", "reason"]
    search_fields = ["from_address", "dedupe_key", "ticket__reference", "suggested_merge"]
    list_select_related = ["ticket"]
    date_hierarchy = "received_at"
    fields = [
        "received_at",
        "source",
        "dedupe_key",
        "from_address",
        "subject",
        "status",
        "reason",
        "matched_by",
        "suggested_merge",
        "ticket",
        "raw_sha256",
        "raw_withheld",
        "attachments",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
