"""`macros/`: list, create, read, change, delete, and preview macros (staff only).

Who may write which macro is tickets.macros' rule (shared with the admin); these views validate the
input, call one service and answer. Customers get 403, anonymous callers and guests 401, a macro
the caller may not see (another agent's personal one, another team's) 404.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from support_desk.serializers import StrictSerializer

from .. import macros, selectors
from ..models import Macro, Priority, Team, Ticket
from .permissions import IsStaffMember
from .serializers import MacroCreateSerializer, MacroSerializer

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such macro, or not one the caller may see.")


def _team_field():
    return serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True)


class MacroUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH, required=False)
    internal = serializers.BooleanField(required=False)
    set_status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False, allow_blank=True)
    set_priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True)
    set_team = _team_field()
    scope = serializers.ChoiceField(choices=macros.Scope.CHOICES, required=False)
    team = _team_field()


class MacroPreviewRequestSerializer(StrictSerializer):
    """A saved macro (`macro`), or one being written (`body` and its actions), optionally for a
    ticket (`ticket`, a reference): its placeholders are then filled with that ticket's values."""

    macro = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH, required=False, allow_blank=True)
    internal = serializers.BooleanField(required=False, default=False)
    set_status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False, allow_blank=True, default="")
    set_priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True, default="")
    set_team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    ticket = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def validate(self, attrs):
        if "macro" not in attrs and "body" not in attrs:
            raise serializers.ValidationError({"body": [_("Send the macro's text, or the id of a saved macro.")]})
        return attrs


class MacroPreviewResultSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The text with its placeholders filled in.")
    actions = serializers.DictField(child=serializers.CharField(), help_text="status, priority, team (code)")
    changes = serializers.ListField(child=serializers.CharField(), help_text="What applying it does, in words.")
    unknown_placeholders = serializers.ListField(
        child=serializers.CharField(), help_text="Placeholders nothing fills; they would be posted as typed."
    )
    placeholders = serializers.ListField(child=serializers.CharField(), help_text="The placeholders that are filled.")
    ticket = serializers.CharField(allow_null=True, help_text="The reference whose values were used, or null.")


@extend_schema_view(
    list=extend_schema(responses={200: MacroSerializer(many=True), 401: E401, 403: E403}),
    create=extend_schema(
        request=MacroCreateSerializer, responses={201: MacroSerializer, 400: E400, 401: E401, 403: E403}
    ),
    retrieve=extend_schema(responses={200: MacroSerializer, 401: E401, 403: E403, 404: E404}),
    partial_update=extend_schema(
        request=MacroUpdateSerializer, responses={200: MacroSerializer, 400: E400, 401: E401, 403: E403, 404: E404}
    ),
    destroy=extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404}),
)
class MacroViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Macros the caller may use: their own personal ones, their teams' and those shared by every
    team (leads and admins: every team's). Agents write personal macros; leads and admins shared
    ones. A deleted macro is retired (inactive), not erased."""

    serializer_class = MacroSerializer
    permission_classes = [IsStaffMember]
    queryset = Macro.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # At most 18 digits: any id fits a bigint, so a longer one is a 404, not a database error.
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return selectors.macros_visible_to(self.request.user)

    def create(self, request):
        serializer = MacroCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        macro = macros.macro_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(macro).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        macro = self.get_object()
        serializer = MacroUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        macro = macros.macro_update(macro=macro, actor=request.user, changes=serializer.validated_data)
        return Response(self.get_serializer(macro).data)

    def destroy(self, request, pk=None):
        macros.macro_delete(macro=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=MacroPreviewRequestSerializer,
        responses={200: MacroPreviewResultSerializer, 400: E400, 401: E401, 403: E403},
        description="What a macro would post and change, for the editor (its text and actions as typed) "
        "and for the workspace (a saved macro on a ticket). Nothing is written.",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        serializer = MacroPreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fields = {
            "body": data.get("body", ""),
            "internal": data["internal"],
            "set_status": data["set_status"],
            "set_priority": data["set_priority"],
            "set_team": data["set_team"],
        }
        if "macro" in data:
            macro = selectors.macros_visible_to(request.user).filter(pk=data["macro"]).first()
            if macro is None:
                raise serializers.ValidationError({"macro": [_("No such macro.")]})
            fields = {
                "body": macro.body,
                "internal": macro.internal,
                "set_status": macro.set_status,
                "set_priority": macro.set_priority,
                "set_team": macro.set_team,
            }
        ticket = None
        if data.get("ticket"):
            visible = selectors.tickets_visible_to(request.user).select_related("requester")
            ticket = visible.filter(reference=data["ticket"].strip().upper()).first()
            if ticket is None:
                raise serializers.ValidationError({"ticket": [_("No such ticket.")]})
        preview = macros.macro_preview(ticket=ticket, **fields)
        return Response(
            {
                "body": preview.body,
                "actions": preview.actions,
                "changes": preview.changes,
                "unknown_placeholders": preview.unknown_placeholders,
                "placeholders": list(macros.PLACEHOLDER_NAMES),
                "ticket": preview.ticket,
            }
        )
