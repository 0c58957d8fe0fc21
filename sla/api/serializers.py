from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import CustomerProfile
from notifications.models import WebhookEndpoint
from support_desk.serializers import StrictSerializer
from tickets.models import Category, Priority, Team, Ticket

from ..complaints.presets import deadline_override_errors
from ..models import (
    TARGET_MAX_MINUTES,
    BusinessCalendar,
    EscalationRule,
    Holiday,
    Metric,
    SlaPolicy,
    WorkingInterval,
)
from ..reports import DIMENSIONS, Scope


class WorkingIntervalSerializer(StrictSerializer, serializers.ModelSerializer):
    class Meta:
        model = WorkingInterval
        fields = ["weekday", "start", "end"]

    def validate(self, attrs: dict) -> dict:
        WorkingInterval(**attrs).clean()
        return attrs


class HolidaySerializer(StrictSerializer, serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "name"]


class CalendarSerializer(StrictSerializer, serializers.ModelSerializer):
    intervals = WorkingIntervalSerializer(many=True, required=False)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "is_24x7", "intervals", "holidays", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        is_24x7 = attrs.get("is_24x7", getattr(self.instance, "is_24x7", True))
        intervals = attrs.get("intervals")
        if intervals is None and self.instance is not None:
            has_intervals = self.instance.intervals.exists()
        else:
            has_intervals = bool(intervals)
        if not is_24x7 and not has_intervals:
            raise serializers.ValidationError({"intervals": [_("A calendar that is not 24x7 needs working hours.")]})
        return attrs


class TargetSerializer(StrictSerializer, serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    minutes = serializers.IntegerField(min_value=1, max_value=TARGET_MAX_MINUTES)


class PolicySerializer(StrictSerializer, serializers.ModelSerializer):
    calendar = serializers.PrimaryKeyRelatedField(queryset=BusinessCalendar.objects.all())
    categories = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), many=True, required=False
    )
    priorities = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices), required=False)
    tiers = serializers.ListField(child=serializers.ChoiceField(choices=CustomerProfile.Tier.choices), required=False)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Ticket.Channel.choices), required=False)
    pause_statuses = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=Ticket.Status.choices)), required=False
    )
    targets = TargetSerializer(many=True, required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
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
            "targets",
            "complaint_preset",
            "complaint_deadlines",
            "complaint_contact",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]

    def validate_complaint_deadlines(self, value: dict) -> dict:
        error = deadline_override_errors(value)
        if error:
            raise serializers.ValidationError(error)
        return value

    def validate_pause_statuses(self, value: dict) -> dict:
        unknown = set(value) - set(Metric.values)
        if unknown:
            raise serializers.ValidationError(_("Unknown metrics: %(names)s") % {"names": ", ".join(sorted(unknown))})
        return value

    def validate_targets(self, value: list[dict]) -> list[dict]:
        keys = [(row["metric"], row["priority"]) for row in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError(_("Each metric and priority may have one target only."))
        return value


class StepSerializer(StrictSerializer, serializers.Serializer):
    percent = serializers.IntegerField(min_value=1, max_value=1000)
    notify_assignee = serializers.BooleanField(required=False, default=False)
    notify_team = serializers.BooleanField(required=False, default=False)
    notify_team_lead = serializers.BooleanField(required=False, default=False)
    notify_leads_and_admins = serializers.BooleanField(required=False, default=False)
    notify_users = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), many=True, required=False, default=list
    )
    raise_priority = serializers.BooleanField(required=False, default=False)
    move_to_team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    unassign = serializers.BooleanField(required=False, default=False)
    internal_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    webhook_endpoint = serializers.PrimaryKeyRelatedField(
        queryset=WebhookEndpoint.objects.all(), required=False, allow_null=True, default=None
    )
    # Compatible with the fields a step had before endpoints: a URL (and its secret) is mapped to
    # the endpoint with that URL and secret, created when there is none (sla.config.rule_save).
    webhook_url = serializers.URLField(required=False, allow_blank=True, write_only=True)
    webhook_secret = serializers.CharField(required=False, allow_blank=True, max_length=128, write_only=True)

    def to_representation(self, step) -> dict:
        return {
            "percent": step.percent,
            "notify_assignee": step.notify_assignee,
            "notify_team": step.notify_team,
            "notify_team_lead": step.notify_team_lead,
            "notify_leads_and_admins": step.notify_leads_and_admins,
            "notify_users": [user.pk for user in step.notify_users.all()],
            "raise_priority": step.raise_priority,
            "move_to_team": step.move_to_team.code if step.move_to_team else None,
            "unassign": step.unassign,
            "internal_note": step.internal_note,
            "webhook_endpoint": step.webhook_endpoint_id,
            "webhook_url": step.webhook_endpoint.url if step.webhook_endpoint else "",
            "webhook_signed": step.webhook_endpoint_id is not None,
        }


class EscalationRuleSerializer(StrictSerializer, serializers.ModelSerializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=SlaPolicy.objects.all())
    steps = StepSerializer(many=True, required=False)

    class Meta:
        model = EscalationRule
        fields = ["id", "policy", "metric", "is_active", "steps"]
        read_only_fields = ["id"]
        # The unique (policy, metric) pair is checked by the model and reported as a 400.
        validators: list = []

    def validate_steps(self, value: list[dict]) -> list[dict]:
        percents = [row["percent"] for row in value]
        if percents != sorted(percents) or len(percents) != len(set(percents)):
            raise serializers.ValidationError(_("Step percentages must be strictly increasing."))
        return value

    def validate(self, attrs: dict) -> dict:
        policy = attrs.get("policy", getattr(self.instance, "policy", None))
        metric = attrs.get("metric", getattr(self.instance, "metric", None))
        clash = EscalationRule.objects.filter(policy=policy, metric=metric)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"metric": [_("This policy already has a ladder for this metric.")]})
        return attrs


class ReportQuerySerializer(StrictSerializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), required=False)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, required=False)
    agent = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_staff=True), required=False
    )
    group_by = serializers.ChoiceField(choices=[(name, name) for name in DIMENSIONS], required=False)
    format = serializers.ChoiceField(choices=[("json", "JSON"), ("csv", "CSV")], required=False)
    table = serializers.ChoiceField(
        choices=[("groups", _("figures per group")), ("backlog", _("open tickets per day"))],
        required=False,
        help_text=_("CSV only: the figures (one row for the scope, one per group) or the backlog."),
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": [_("`until` must be after `since`.")]})
        return attrs

    def scope(self) -> Scope:
        data = self.validated_data
        return Scope(
            team=data["team"].pk if data.get("team") else None,
            category=data["category"].pk if data.get("category") else None,
            priority=data.get("priority"),
            channel=data.get("channel"),
            agent=data["agent"].pk if data.get("agent") else None,
        )
