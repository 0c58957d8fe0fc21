from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from accounts.models import CustomerProfile
from tickets.models import Priority, Ticket

from .config import policy_save
from .forms import SlaPolicyForm, SlaTargetForm
from .models import (
    BusinessCalendar,
    Complaint,
    ComplaintDeadline,
    CustomerReminder,
    EscalationFiring,
    EscalationRule,
    EscalationStep,
    Holiday,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkingInterval,
)
from .recompute import schedule_recompute

# What the admin's form may change on a policy (categories and targets are saved apart).
POLICY_FIELDS = set(SlaPolicyForm.Meta.fields) - {"categories"}


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class RecomputeOnSaveMixin:
    """Edits change running clocks' due times; a worker recomputes them after the save."""

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        schedule_recompute(self.affected_policy_ids(form.instance))
        messages.info(request, _("Running SLA clocks will be recomputed in the background."))

    def affected_policy_ids(self, obj) -> list[int] | None:
        return None


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputeOnSaveMixin, admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_24x7", "updated_at"]
    list_filter = ["is_24x7"]
    search_fields = ["name"]
    inlines = [WorkingIntervalInline, HolidayInline]

    def affected_policy_ids(self, obj) -> list[int]:
        return list(obj.policies.values_list("pk", flat=True))


class TargetFormSet(BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:  # unlabelled in a tabular row
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete this target")

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data.get("metric"), form.cleaned_data.get("priority"))
            if key in seen:
                raise ValidationError(_("Each metric and priority may have one target only."))
            seen.add(key)


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    form = SlaTargetForm
    formset = TargetFormSet
    extra = 0


def _labels(values: list, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values) if values else str(_("any"))


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Saves go through sla.config.policy_save, the API's service: the same validation, one
    LogEntry (the admin's own change message), the configuration cache bumped and running
    clocks recomputed."""

    form = SlaPolicyForm
    list_display = ["name", "position", "is_active", "calendar", "priority_list", "tier_list", "channel_list"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "calendar"]
    list_select_related = ["calendar"]
    search_fields = ["name"]
    filter_horizontal = ["categories"]
    inlines = [SlaTargetInline]

    @admin.display(description=_("priorities"))
    def priority_list(self, policy: SlaPolicy) -> str:
        return _labels(policy.priorities, Priority.choices)

    @admin.display(description=_("customer tiers"))
    def tier_list(self, policy: SlaPolicy) -> str:
        return _labels(policy.tiers, CustomerProfile.Tier.choices)

    @admin.display(description=_("channels"))
    def channel_list(self, policy: SlaPolicy) -> str:
        return _labels(policy.channels, Ticket.Channel.choices)

    def save_model(self, request, obj, form, change) -> None:
        # Saved with its categories and targets in save_related, through the service.
        pass

    def save_related(self, request, form, formsets, change) -> None:
        targets = None
        for formset in formsets:
            if formset.model is SlaTarget:
                formset.save(commit=False)  # only lists new/changed/deleted rows for the change message
                targets = [
                    {name: row.cleaned_data[name] for name in ("metric", "priority", "minutes")}
                    for row in formset.forms
                    if row.cleaned_data and not row.cleaned_data.get("DELETE")
                ]
        policy_save(
            actor=request.user,
            instance=form.instance,
            fields={name: value for name, value in form.cleaned_data.items() if name in POLICY_FIELDS},
            categories=form.cleaned_data.get("categories"),
            targets=targets,
            change_message=self.construct_change_message(request, form, formsets, add=not change),
        )
        messages.info(request, _("Running SLA clocks will be recomputed in the background."))

    # policy_save wrote the LogEntry, with the message the admin would have written.
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None


class StepFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        percents = [
            form.cleaned_data["percent"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("percent")
        ]
        if len(percents) != len(set(percents)):
            raise ValidationError(_("Each step needs its own percentage."))


class EscalationStepInline(admin.StackedInline):
    model = EscalationStep
    formset = StepFormSet
    extra = 0
    filter_horizontal = ["notify_users"]
    ordering = ["percent"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(RecomputeOnSaveMixin, admin.ModelAdmin):
    list_display = ["policy", "metric", "is_active", "step_list"]
    list_filter = ["metric", "is_active", "policy"]
    inlines = [EscalationStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("policy").prefetch_related("steps")

    @admin.display(description=_("steps"))
    def step_list(self, rule: EscalationRule) -> str:
        return ", ".join(f"{step.percent}%" for step in rule.steps.all())

    def affected_policy_ids(self, obj) -> list[int]:
        return [obj.policy_id]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    # Each metric comes from its own policy (the first matching one with a target for it): say which.
    list_display = ["ticket", "metric", "policy", "state", "due_at", "breached_at", "fulfilled_at", "next_check_at"]
    list_filter = ["metric", "state", "policy", ("breached_at", admin.EmptyFieldListFilter)]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket", "policy"]
    readonly_fields = [f.name for f in SlaClock._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EscalationFiring)
class EscalationFiringAdmin(admin.ModelAdmin):
    list_display = ["clock", "step", "cycle", "fired_at"]
    search_fields = ["clock__ticket__reference"]
    list_select_related = ["clock", "step", "step__rule", "step__rule__policy"]
    readonly_fields = ["clock", "step", "cycle", "fired_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerReminder)
class CustomerReminderAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "hours", "since", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__reference"]
    readonly_fields = ["ticket", "kind", "hours", "since", "sent_at"]

    def has_add_permission(self, request) -> bool:
        return False


class ComplaintDeadlineInline(admin.TabularInline):
    model = ComplaintDeadline
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "cycle", "due_at", "met_at", "breached_at", "stopped_at", "next_check_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """The complaints register, read-only: complaints change through their letters (sla.complaints)."""

    list_display = ["ticket", "preset", "received_at", "status", "outcome", "language"]
    list_filter = ["preset", "status", "outcome"]
    list_select_related = ["ticket"]
    search_fields = ["ticket__reference"]
    readonly_fields = [f.name for f in Complaint._meta.fields]
    inlines = [ComplaintDeadlineInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
