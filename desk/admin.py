from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.exceptions import ValidationError as ApiValidationError

from tickets.exceptions import TicketForbidden
from tickets.scoped import ScopedEditAdminMixin

from . import services
from .models import SavedView


class SavedViewAdminForm(forms.ModelForm):
    """The desk's rules, not only the model's: filters checked by the queue's filter set, and only
    leads and admins share views with a team (desk.services)."""

    user = None  # set per request by SavedViewAdmin.get_form (ScopedEditAdminMixin)

    class Meta:
        model = SavedView
        fields = ["name", "owner", "team", "filters", "sort", "columns"]

    def clean(self):
        cleaned = super().clean()
        try:
            services.saved_view_check_share(actor=self.user, team=cleaned.get("team"))
            if "filters" in cleaned:
                cleaned["filters"] = services.saved_view_clean_filters(filters=cleaned["filters"], user=self.user)
            if "columns" in cleaned:
                cleaned["columns"] = services.saved_view_clean_columns(cleaned["columns"] or [])
        except TicketForbidden as error:
            raise ValidationError(str(error)) from error
        except ApiValidationError as error:
            raise ValidationError(str(error.detail)) from error
        return cleaned


@admin.register(SavedView)
class SavedViewAdmin(ScopedEditAdminMixin, admin.ModelAdmin):
    form = SavedViewAdminForm
    list_display = ["name", "owner", "team", "updated_by", "updated_at"]
    list_filter = ["team"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "team", "updated_by"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_by", "created_at", "updated_by", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        now = timezone.now()
        if not change:
            obj.created_at, obj.created_by = now, request.user
        obj.updated_at, obj.updated_by = now, request.user
        super().save_model(request, obj, form, change)
