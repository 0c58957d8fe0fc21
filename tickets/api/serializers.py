from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.roles import is_staff_member
from sla.models import Metric, SlaClock
from sla.selectors import customer_promises, staff_clocks
from support_desk.serializers import StrictSerializer
from support_desk.text import validate_visible_text

from ..models import Category, Macro, Message, Priority, Team, Ticket, TicketEvent
from ..networks import NETWORKS, InvalidIdentifier, memo_missing_message, validate_amount, validate_identifier
from ..selectors import ticket_queue_info
from ..timeline import public_timeline
from .fields import LocalizedAmountField


def _display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


class PersonSerializer(serializers.Serializer):
    """A person as tickets show them. The role is told by the ticket (its requester is the
    customer), which costs no query per row."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=["customer", "agent"])


def person(user: User | None, *, role: str) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": _display_name(user), "role": role}


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localized_name")
    description = serializers.CharField(source="localized_description")
    team = serializers.SlugRelatedField(source="default_team", slug_field="code", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "description", "required_fields", "optional_fields", "default_priority", "team"]


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    internal = serializers.BooleanField(read_only=True)

    class Meta:
        model = Message
        fields = ["id", "body", "author", "created_at", "internal", "kind"]

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict | None:
        role = "customer" if message.author_id == message.ticket.requester_id else "agent"
        return person(message.author, role=role)


class MessageCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH, trim_whitespace=True)
    internal = serializers.BooleanField(required=False, default=False)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    internal = serializers.BooleanField(help_text="Staff only: never shown to the customer.")
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return f"/api/v1/tickets/{attachment.ticket.reference}/attachments/{attachment.pk}/"


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    internal = serializers.BooleanField(
        required=False, default=False, help_text="Agents only: a working file the customer never sees."
    )


class SlaPromiseSerializer(serializers.Serializer):
    first_response_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)


class SlaClockSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    state = serializers.ChoiceField(choices=SlaClock.State.choices)
    cycle = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    target_minutes = serializers.IntegerField()
    breached = serializers.BooleanField()
    breached_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    paused_since = serializers.DateTimeField(allow_null=True)
    policy = serializers.CharField(allow_null=True, help_text=_("Name of the SLA policy that gave this clock."))
    policy_id = serializers.IntegerField(allow_null=True, help_text=_("Id of the SLA policy that gave this clock."))


class SatisfactionOutSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class QueueInfoSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True)
    estimated_first_response_at = serializers.DateTimeField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    text = serializers.CharField()
    data = serializers.DictField()


class TicketSerializer(serializers.ModelSerializer):
    """The list shape. Staff get routing fields; customers get what they need to follow up."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    possible_duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    waiting_on = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    sla_clocks = serializers.SerializerMethodField()

    STAFF_ONLY = ("team", "requester", "sla_clocks", "sla_due_at", "sla_breached", "breached_metrics")

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "subject",
            "status",
            "priority",
            "category",
            "team",
            "assignee",
            "requester",
            "channel",
            "language",
            "is_complaint",
            "possible_duplicate_of",
            "waiting_on",
            "sla",
            "sla_due_at",
            "sla_breached",
            "breached_metrics",
            "sla_clocks",
            "created_at",
            "updated_at",
            "first_response_at",
            "solved_at",
            "closed_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["agent", "customer"], allow_null=True))
    def get_waiting_on(self, ticket: Ticket) -> str | None:
        if ticket.status == Ticket.Status.PENDING_CUSTOMER:
            return "customer"
        if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
            return None
        return "agent"

    @extend_schema_field(SlaPromiseSerializer)
    def get_sla(self, ticket: Ticket) -> dict:
        return SlaPromiseSerializer(customer_promises(ticket)).data

    @extend_schema_field(SlaClockSerializer(many=True))
    def get_sla_clocks(self, ticket: Ticket) -> list[dict]:
        return SlaClockSerializer(staff_clocks(ticket), many=True).data

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, ticket: Ticket) -> dict | None:
        return person(ticket.assignee, role="agent")

    @extend_schema_field(PersonSerializer)
    def get_requester(self, ticket: Ticket) -> dict | None:
        return person(ticket.requester, role="customer")

    def to_representation(self, ticket: Ticket) -> dict:
        data = super().to_representation(ticket)
        request = self.context.get("request")
        if request is None or not is_staff_member(request.user):
            for name in self.STAFF_ONLY:
                data.pop(name, None)
        return data


class TicketDetailSerializer(TicketSerializer):
    messages = MessageSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    queue = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField()
    amount = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, read_only=True, allow_null=True
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "asset",
            "network",
            "amount",
            "txid",
            "address",
            "memo",
            "order_id",
            "queue",
            "satisfaction",
            "messages",
            "attachments",
            "timeline",
        ]

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, ticket: Ticket) -> list[dict]:
        return public_timeline(ticket)

    @extend_schema_field(SatisfactionOutSerializer(allow_null=True))
    def get_satisfaction(self, ticket: Ticket) -> dict | None:
        rating = getattr(ticket, "satisfaction", None)
        return SatisfactionOutSerializer(rating).data if rating else None

    @extend_schema_field(QueueInfoSerializer)
    def get_queue(self, ticket: Ticket) -> dict:
        return QueueInfoSerializer(ticket_queue_info(ticket=ticket, now=timezone.now())).data

    def to_representation(self, ticket: Ticket) -> dict:
        data = super().to_representation(ticket)
        if data.get("amount") is not None:
            data["amount"] = f"{Decimal(data['amount']).normalize():f}"
        return data


class TicketCreateSerializer(StrictSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    subject = serializers.CharField(max_length=settings.TICKET_SUBJECT_MAX_LENGTH, validators=[validate_visible_text])
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH)
    asset = serializers.RegexField(r"^[A-Za-z0-9]{1,16}$", required=False, allow_blank=True, default="")
    network = serializers.RegexField(r"^[a-z0-9_-]{1,32}$", required=False, allow_blank=True, default="")
    amount = LocalizedAmountField(
        max_digits=36, decimal_places=18, required=False, allow_null=True, default=None, min_value=Decimal("0")
    )
    txid = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    memo = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    order_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate_amount(self, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise serializers.ValidationError(_("The amount must be greater than zero."))
        return value

    def validate(self, attrs: dict) -> dict:
        category: Category = attrs["category"]
        errors = {
            name: [_("This category needs this field.")]
            for name in category.required_fields
            if attrs.get(name) in ("", None)
        }
        errors.update(identifier_errors(attrs))
        if "memo" in (*category.required_fields, *category.optional_fields):
            missing = memo_missing_message(attrs.get("network") or "", attrs.get("memo") or "")
            if missing:
                errors.setdefault("memo", [missing])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def identifier_errors(attrs: dict) -> dict[str, list[str]]:
    """Per-network checks of the structured fields, with their real checksums."""
    errors: dict[str, list[str]] = {}
    code, asset = attrs.get("network") or "", (attrs.get("asset") or "").upper()
    network = NETWORKS.get(code)
    if code and network is None:
        errors["network"] = [_("Unknown network. Choose one from the list.")]
    if network and asset and asset not in network.assets:
        errors["asset"] = [_("%(asset)s is not sent on %(network)s.") % {"asset": asset, "network": network.name}]
    for name in ("txid", "address", "memo"):
        value = (attrs.get(name) or "").strip()
        if not value:
            continue
        if network is None:
            errors.setdefault("network", [_("Choose the network so we can check this.")])
            continue
        if name == "memo" and network.memo is None:
            continue  # free text on networks without tags
        try:
            validate_identifier(code, name, value)
        except InvalidIdentifier as error:
            errors[name] = [str(error)]
        attrs[name] = value
    if attrs.get("amount") is not None and asset:
        try:
            validate_amount(asset, attrs["amount"])
        except InvalidIdentifier as error:
            errors["amount"] = [str(error)]
    return errors


class TicketUpdateSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), required=False)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    is_complaint = serializers.BooleanField(required=False)

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError(_("Nothing to change: send at least one field."))
        return attrs


class AssignSerializer(StrictSerializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), allow_null=True)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "data", "at"]

    @extend_schema_field(
        {"type": "object", "nullable": True, "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}}
    )
    def get_actor(self, event: TicketEvent) -> dict | None:
        if event.actor is None:
            return None
        return {"id": event.actor.pk, "username": event.actor.username}


class MacroSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Macro
        fields = ["id", "name", "body", "internal", "set_status", "set_priority", "team"]


class MacroCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH)
    internal = serializers.BooleanField(required=False, default=False)
    set_status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False, allow_blank=True, default="")
    set_priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True, default="")
    team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class GuestTicketCreateSerializer(TicketCreateSerializer):
    email = serializers.EmailField(max_length=254)


class GuestLinkRequestSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    reference = serializers.CharField(max_length=20, trim_whitespace=True)


class SatisfactionSerializer(StrictSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ValidateIdentifierSerializer(StrictSerializer):
    network = serializers.CharField(max_length=32)
    field = serializers.ChoiceField(choices=["txid", "address", "memo"])
    value = serializers.CharField(max_length=200, trim_whitespace=True)


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


class DuplicateQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    txid = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    order_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class DuplicateCheckSerializer(serializers.Serializer):
    possible_duplicate_of = serializers.CharField(allow_null=True)
    subject = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
