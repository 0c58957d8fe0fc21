from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from support_desk.serializers import StrictSerializer
from tickets.models import Team

from ..models import SavedView
from ..services import FILTER_NAMES, saved_view_can_edit


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


PERSON_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
FILTERS_SCHEMA = {
    "type": "object",
    "description": "GET queue/'s query parameters: " + ", ".join(f"`{name}`" for name in FILTER_NAMES) + ".",
    "properties": {name: {"type": "string", "maxLength": 200} for name in FILTER_NAMES},
    "additionalProperties": False,
}


class SavedViewSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # Text, not an enum: the schema's "scope" enum name is the macros' (personal, team, everyone).
    scope = serializers.CharField(read_only=True, help_text="`personal` (the caller's own) or `team` (shared).")
    filters = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    updated_by = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = [
            "id",
            "name",
            "scope",
            "team",
            "filters",
            "sort",
            "columns",
            "can_edit",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]

    @extend_schema_field(FILTERS_SCHEMA)
    def get_filters(self, view: SavedView) -> dict:
        return view.filters

    def get_can_edit(self, view: SavedView) -> bool:
        """Whether the caller may change and delete it (their own views; leads: team views)."""
        return saved_view_can_edit(user=self.context["request"].user, view=view)

    @extend_schema_field(PERSON_SCHEMA)
    def get_created_by(self, view: SavedView) -> dict | None:
        return _person(view.created_by)

    @extend_schema_field(PERSON_SCHEMA)
    def get_updated_by(self, view: SavedView) -> dict | None:
        return _person(view.updated_by)


@extend_schema_field(FILTERS_SCHEMA)
class FiltersField(serializers.JSONField):
    """Checked in desk.services against the queue's filter set (it needs the caller)."""


class SavedViewWriteSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    filters = FiltersField(required=False, default=dict)
    sort = serializers.ChoiceField(choices=SavedView.Sort.choices, required=False, default=SavedView.Sort.SLA_DUE)
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=SavedView.Column.choices),
        required=False,
        default=list,
        max_length=len(SavedView.Column.values),
        help_text="The columns shown, empty for all; the ticket column is always shown.",
    )
    team = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Share with this team (leads and admins); null: a personal view.",
    )


class ViewCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="At most 999; null when the filters no longer apply.")
    capped = serializers.BooleanField(help_text="More than 999.")
    display = serializers.CharField(help_text='The count as shown: "12", "999+".')


class BuiltinCountSerializer(ViewCountSerializer):
    key = serializers.CharField()


class SavedCountSerializer(ViewCountSerializer):
    id = serializers.IntegerField()


class SavedViewCountsSerializer(serializers.Serializer):
    builtin = BuiltinCountSerializer(many=True)
    saved = SavedCountSerializer(many=True)
