"""The SLA policy forms of the Django admin, for a lead rather than a developer: ticked boxes for
the conditions and pauses, targets in days, hours and minutes.

The widgets offer the allowed values, but the rule that rejects an unknown one is the model's
(SlaPolicy.clean, which sla.config.policy_save runs for the API too): the choice fields here do not
check choices themselves, so an unknown tier is refused with the service's message, on its field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import CustomerProfile
from tickets.models import Priority, Ticket

from .models import TARGET_MAX_MINUTES, Metric, SlaPolicy, SlaTarget

ANY_HELP = _("Tick none to match any ticket.")
POSITION_HELP = _(
    "Policies are tried in this order, lowest number first. For each metric (first response, "
    "resolution…) the first active policy whose conditions match the ticket and that has a target for "
    "that metric at the ticket's priority sets the promise; the later ones fill in the metrics it has "
    "no target for."
)


class ChoiceListField(forms.MultipleChoiceField):
    """A list of choices whose values are checked by the model (SlaPolicy.clean), not here."""

    def valid_value(self, value) -> bool:
        return True


class PauseStatusesWidget(forms.MultiWidget):
    template_name = "sla/widgets/pause_statuses.html"

    def __init__(self, attrs=None):
        choices = Ticket.Status.choices
        super().__init__(
            {metric: forms.CheckboxSelectMultiple(choices=choices) for metric in Metric.values}, attrs=attrs
        )

    def decompress(self, value) -> list:
        value = value if isinstance(value, dict) else {}
        return [value.get(metric, []) for metric in Metric.values]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], Metric.labels, strict=True):
            subwidget["metric_label"] = label
        return context


class PauseStatusesField(forms.MultiValueField):
    """{metric: [statuses]}: the statuses that stop each metric's clock while the ticket is in them."""

    widget = PauseStatusesWidget

    def __init__(self, **kwargs):
        fields = [ChoiceListField(choices=Ticket.Status.choices, required=False) for _metric in Metric.values]
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list) -> dict:
        data_list = data_list or [[] for _metric in Metric.values]
        return {metric: list(statuses or []) for metric, statuses in zip(Metric.values, data_list, strict=True)}


class SlaPolicyForm(forms.ModelForm):
    priorities = ChoiceListField(
        label=capfirst(_("priorities")),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "sla-checkboxes"}),
        help_text=ANY_HELP,
    )
    tiers = ChoiceListField(
        label=capfirst(_("customer tiers")),
        choices=CustomerProfile.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "sla-checkboxes"}),
        help_text=ANY_HELP,
    )
    channels = ChoiceListField(
        label=capfirst(_("channels")),
        choices=Ticket.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "sla-checkboxes"}),
        help_text=ANY_HELP,
    )
    pause_statuses = PauseStatusesField(
        label=capfirst(_("statuses that pause each metric")),
        help_text=_(
            "While a ticket is in a ticked status, that metric's clock stops and resumes where it left "
            "off. Tick none for a metric and its clock never pauses."
        ),
    )

    class Media:
        css = {"all": ["sla/admin.css"]}

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "calendar",
            "categories",
            "priorities",
            "tiers",
            "channels",
            "is_complaint",
            "pause_statuses",
            "complaint_preset",
            "complaint_deadlines",
            "complaint_contact",
        ]
        help_texts = {
            "position": POSITION_HELP,
            "categories": _("Choose none to match any category."),
            "is_complaint": _("Unknown: any ticket; Yes: formal complaints only; No: all but formal complaints."),
            "complaint_preset": _("The statutory deadlines of the formal complaints this policy matches."),
        }

    def clean_complaint_deadlines(self) -> dict:
        # Left empty: the preset's own deadlines.
        return self.cleaned_data.get("complaint_deadlines") or {}


class DurationWidget(forms.MultiWidget):
    template_name = "sla/widgets/duration.html"

    def __init__(self, attrs=None):
        number = {"min": "0", "step": "1", "class": "vIntegerField sla-duration-part"}
        super().__init__(
            {
                "days": forms.NumberInput(attrs=number),
                "hours": forms.NumberInput(attrs=number),
                "minutes": forms.NumberInput(attrs=number),
            },
            attrs=attrs,
        )

    def decompress(self, value) -> list:
        if value in (None, ""):
            return [None, None, None]
        minutes = int(value)
        return [minutes // 1440, minutes % 1440 // 60, minutes % 60]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        labels = [_("days"), _("hours"), _("minutes")]
        for subwidget, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            subwidget["part_label"] = label
        return context


class DurationMinutesField(forms.MultiValueField):
    """Days, hours and minutes in the form; whole minutes in the database and the API."""

    widget = DurationWidget
    default_error_messages = {
        "too_short": _("A target must be at least one minute."),
        "too_long": _("A target can be at most 366 days."),
    }

    def __init__(self, **kwargs):
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        parts = [forms.IntegerField(min_value=0, required=False) for _part in range(3)]
        super().__init__(parts, require_all_fields=False, **kwargs)

    def compress(self, data_list) -> int | None:
        if not data_list or all(part in (None, "") for part in data_list):
            return None
        days, hours, minutes = (part or 0 for part in data_list)
        total = days * 1440 + hours * 60 + minutes
        if total < 1:
            raise ValidationError(self.error_messages["too_short"], code="too_short")
        if total > TARGET_MAX_MINUTES:
            raise ValidationError(self.error_messages["too_long"], code="too_long")
        return total


class SlaTargetForm(forms.ModelForm):
    minutes = DurationMinutesField(label=capfirst(_("target")), help_text=_("Working time, in the policy's calendar."))

    class Media:
        css = {"all": ["sla/admin.css"]}

    class Meta:
        model = SlaTarget
        fields = ["metric", "priority", "minutes"]
        # A tabular inline's cells have no <label>: the column heading is not tied to them.
        widgets = {
            "metric": forms.Select(attrs={"aria-label": capfirst(_("metric"))}),
            "priority": forms.Select(attrs={"aria-label": capfirst(_("priority"))}),
        }
