from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from support_desk.errors import DomainError

from . import services
from .models import Article, OfficialContact


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "category", "is_published", "helpful_count", "not_helpful_count", "updated_at"]
    list_filter = ["is_published", "language", "category"]
    list_editable = ["is_published"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["helpful_count", "not_helpful_count", "created_at", "updated_at"]
    list_select_related = ["category"]


class OfficialContactAdminForm(forms.ModelForm):
    """The desk's rule (knowledge.services), not only the model's: leads and admins only, the value
    normalised for its channel and checked against the list, errors at their field."""

    user = None  # set per request by OfficialContactAdmin.get_form

    class Meta:
        model = OfficialContact
        fields = ["channel", "value", "label", "is_active"]

    def clean(self):
        cleaned = super().clean()
        try:
            services.official_contact_check_actor(self.user)
        except DomainError as error:
            raise ValidationError(error.message) from error
        if "channel" in cleaned and "value" in cleaned:
            try:
                cleaned["value"] = services.official_contact_clean(
                    channel=cleaned["channel"], value=cleaned["value"], instance=self.instance
                )
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(OfficialContact)
class OfficialContactAdmin(admin.ModelAdmin):
    """Writes go through knowledge.services, the desk's API's services: the same rule, and one
    LogEntry per write (the admin's own change message), written by the service."""

    form = OfficialContactAdminForm
    list_display = ["channel", "value", "label", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["value", "label"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and services.official_contact_can_manage(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and services.official_contact_can_manage(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and services.official_contact_can_manage(request.user)

    def save_model(self, request, obj, form, change) -> None:
        message = self.construct_change_message(request, form, None, add=not change)
        fields = {name: form.cleaned_data[name] for name in ("channel", "value", "label", "is_active")}
        if change:
            saved = services.official_contact_update(
                contact=obj, actor=request.user, changes=fields, change_message=message
            )
        else:
            saved = services.official_contact_create(actor=request.user, change_message=message, **fields)
        # The admin goes on with `obj` (its redirect, its message): make it the saved row.
        obj.pk, obj.value, obj.label = saved.pk, saved.value, saved.label

    def delete_model(self, request, obj) -> None:
        services.official_contact_delete(contact=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for contact in queryset:
            services.official_contact_delete(contact=contact, actor=request.user)

    # The services wrote the LogEntry, with the message the admin would have written.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return []
