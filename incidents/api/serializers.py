from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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
