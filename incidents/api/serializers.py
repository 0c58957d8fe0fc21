from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Category

from ..models import Incident


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    eta = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    affected = serializers.SerializerMethodField()

    def get_title(self, incident) -> str:
        return incident.localized("title")

    def get_message(self, incident) -> str:
        return incident.localized("message")

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "categories": {"type": "array", "items": {"type": "string"}},
                "assets": {"type": "array", "items": {"type": "string"}},
                "networks": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    def get_affected(self, incident) -> dict:
        return {
            "categories": [category.code for category in incident.categories.all()],
            "assets": incident.assets,
            "networks": incident.networks,
        }


class IncidentUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    eta = serializers.DateTimeField(allow_null=True)
    body = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_body(self, update) -> str:
        return update.localized()


class IncidentWithUpdatesSerializer(IncidentSerializer):
    """The status page's shape: the incident with its public update history, newest first."""

    advice = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    updates = IncidentUpdateSerializer(many=True, read_only=True, source="updates.all")

    def get_advice(self, incident) -> str:
        return incident.localized("advice")


class StaffIncidentSerializer(serializers.Serializer):
    """What leads edit (both languages) and what the desk shows (the linked tickets' counts)."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    title_zh_hans = serializers.CharField(max_length=200, required=False, allow_blank=True)
    message = serializers.CharField(max_length=5000)
    message_zh_hans = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    advice = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    advice_zh_hans = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Incident.Status.choices, required=False)
    sla_clocks = serializers.ChoiceField(choices=Incident.SlaClocks.choices, required=False)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Category.objects.all(), required=False
    )
    assets = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=50)
    networks = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=50)
    eta = serializers.DateTimeField(required=False, allow_null=True)
    started_at = serializers.DateTimeField(required=False)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    linked_open = serializers.IntegerField(read_only=True, required=False, help_text="Linked tickets still open.")
    linked_total = serializers.IntegerField(read_only=True, required=False)

    def validate_assets(self, assets: list[str]) -> list[str]:
        return [asset.strip().upper() for asset in assets if asset.strip()]

    def validate_networks(self, networks: list[str]) -> list[str]:
        return [network.strip().lower() for network in networks if network.strip()]


class PostUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    body_zh_hans = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=Incident.Status.choices, required=False)
    eta = serializers.DateTimeField(required=False, allow_null=True)


class ResolveSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    body_zh_hans = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    solve_tickets = serializers.BooleanField(
        default=False, help_text="Solve every linked open ticket with this update as its final message."
    )


class PreviewSerializer(serializers.Serializer):
    en = serializers.CharField()
    zh_hans = serializers.CharField()
    linked_tickets = serializers.IntegerField()


class LinkRequestSerializer(serializers.Serializer):
    references = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=500)


class UnlinkRequestSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=20)


class LinkResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    ok = serializers.BooleanField()
    error = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class LinkedTicketSerializer(serializers.Serializer):
    reference = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    status = serializers.CharField(source="ticket.status")
    rule = serializers.CharField()
    rule_label = serializers.CharField(source="get_rule_display")
    linked_at = serializers.DateTimeField()
