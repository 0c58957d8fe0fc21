from django import forms
from django.contrib import admin
from django.utils import timezone

from .models import Incident, IncidentLink, IncidentUpdate
from .services import INCIDENT_FIELDS, incident_create, incident_errors, incident_resolved_at, incident_update


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = [*INCIDENT_FIELDS, "categories"]

    def clean(self) -> dict:
        cleaned = super().clean()
        # The service's rule and messages, shown on their fields before anything is saved.
        resolved_at = incident_resolved_at(
            status=cleaned.get("status", ""), resolved_at=cleaned.get("resolved_at"), now=timezone.now()
        )
        for field, messages in incident_errors(started_at=cleaned.get("started_at"), resolved_at=resolved_at).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Saves go through incidents.services (incident_create / incident_update): the same rules as
    any other caller and one LogEntry, with the admin's own change message."""

    form = IncidentForm
    list_display = ["title", "status", "eta", "started_at", "resolved_at", "updated_at"]
    list_filter = ["status", "categories"]
    search_fields = ["title", "title_zh_hans", "message"]
    filter_horizontal = ["categories"]
    date_hierarchy = "started_at"

    def save_model(self, request, obj, form, change) -> None:
        # Saved with its categories in save_related, through the service.
        pass

    def save_related(self, request, form, formsets, change) -> None:
        fields = {name: value for name, value in form.cleaned_data.items() if name in INCIDENT_FIELDS}
        message = self.construct_change_message(request, form, formsets, add=not change)
        categories = form.cleaned_data.get("categories")
        if change:
            incident_update(
                actor=request.user,
                incident=form.instance,
                fields=fields,
                categories=categories,
                now=timezone.now(),
                change_message=message,
            )
        else:
            incident_create(
                actor=request.user,
                fields=fields,
                categories=categories,
                now=timezone.now(),
                instance=form.instance,
                change_message=message,
            )

    # The service wrote the LogEntry, with the message the admin would have written.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the incidents services write (updates are posted and broadcast, links made and
    undone there, each with its ticket event): the admin lists them and changes none."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(ReadOnlyAdmin):
    list_display = ["incident", "status", "eta", "created_at", "created_by", "broadcast_sent", "broadcast_done_at"]
    list_filter = ["status", "solve_tickets", ("broadcast_done_at", admin.EmptyFieldListFilter), "incident"]
    list_select_related = ["incident", "created_by"]
    search_fields = ["body", "body_zh_hans", "incident__title"]
    date_hierarchy = "created_at"


@admin.register(IncidentLink)
class IncidentLinkAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "incident", "rule", "linked_at", "linked_by"]
    list_filter = ["rule", "incident"]
    list_select_related = ["ticket", "incident", "linked_by"]
    search_fields = ["ticket__reference", "incident__title"]
    date_hierarchy = "linked_at"
