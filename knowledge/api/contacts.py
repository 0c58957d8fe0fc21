"""`official-contacts/`: the list the public "is this really us?" check compares against.

Leads and admins list, add, change and delete contacts; agents may read the list (it is what they
point customers to); customers get 403, anonymous callers and guests 401. Who may write, how a
value is normalised and what is a duplicate is knowledge.services' rule, shared with the admin.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from accounts.roles import is_staff_member
from support_desk.serializers import StrictSerializer

from .. import selectors, services
from ..models import OfficialContact

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E403 = OpenApiResponse(description="Customers may not read the list; only leads and admins change it.")
E404 = OpenApiResponse(description="No such official contact.")


class ReadsOrKeepsOfficialContacts(BasePermission):
    """Staff read the list; leads and admins write it (the service checks the writes again)."""

    message = "Only team leads and admins can change the official contacts."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return is_staff_member(user)
        return services.official_contact_can_manage(user)


class OfficialContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficialContact
        fields = ["id", "channel", "value", "label", "is_active"]
        read_only_fields = fields


class OfficialContactCreateSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=OfficialContact.Channel.choices)
    value = serializers.CharField(
        max_length=300, help_text="As written anywhere (`Support@Example.com`, `https://t.me/Name`); stored normalised."
    )
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class OfficialContactUpdateSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=OfficialContact.Channel.choices, required=False)
    value = serializers.CharField(max_length=300, required=False)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class OfficialContactFilterSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=OfficialContact.Channel.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("channel", str, enum=OfficialContact.Channel.values, description="Only this channel"),
            OpenApiParameter("is_active", bool, description="Only active (true) or inactive (false) contacts"),
        ],
        responses={200: OfficialContactSerializer(many=True), 400: E400, 403: E403},
    ),
    create=extend_schema(
        request=OfficialContactCreateSerializer, responses={201: OfficialContactSerializer, 400: E400, 403: E403}
    ),
    retrieve=extend_schema(responses={200: OfficialContactSerializer, 403: E403, 404: E404}),
    partial_update=extend_schema(
        request=OfficialContactUpdateSerializer,
        responses={200: OfficialContactSerializer, 400: E400, 403: E403, 404: E404},
    ),
    destroy=extend_schema(responses={204: None, 403: E403, 404: E404}),
)
class OfficialContactViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The official contacts, active and inactive, by channel and value. A value is stored
    normalised (lower case; a phone number as digits; a Telegram account without `@`; a domain
    without `www.`); one that does not fit its channel, or is already listed, is a 400 on `value`.
    Deleting removes a contact; `is_active: false` keeps it listed but no longer official."""

    serializer_class = OfficialContactSerializer
    permission_classes = [ReadsOrKeepsOfficialContacts]
    queryset = OfficialContact.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # At most 18 digits: any id fits a bigint, so a longer one is a 404, not a database error.
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if self.action != "list":
            return selectors.official_contacts()
        filters = OfficialContactFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.official_contacts(
            channel=filters.validated_data.get("channel"), is_active=filters.validated_data.get("is_active")
        )

    def create(self, request):
        serializer = OfficialContactCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.official_contact_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        contact = self.get_object()
        serializer = OfficialContactUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        contact = services.official_contact_update(
            contact=contact, actor=request.user, changes=serializer.validated_data
        )
        return Response(self.get_serializer(contact).data)

    def destroy(self, request, pk=None):
        services.official_contact_delete(contact=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
