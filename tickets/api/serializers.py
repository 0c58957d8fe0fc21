from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import CustomerProfile, User
from accounts.roles import is_staff_member
from support_desk.serializers import FieldsBuiltOnce, StrictSerializer
from support_desk.text import validate_visible_text

from .. import incident_view, privacy, secret_guard, sla_view
from .. import macros as macro_rules
from ..categories import active_category
from ..merge import merged_conversations, merged_into_reference
from ..models import Category, Macro, Message, Priority, Team, Ticket, TicketEvent
from ..selectors import ticket_customer_others, ticket_queue_info
from ..services import ticket_version
from ..timeline import public_timeline
from ..validation import ticket_fields_errors
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


class CategorySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    name = serializers.CharField(source="localized_name")
    description = serializers.CharField(source="localized_description")
    team = serializers.SlugRelatedField(source="default_team", slug_field="code", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "description", "required_fields", "optional_fields", "default_priority", "team"]


SECRET_WARNING_HELP = (
    "A secret (seed phrase, private key, API secret, 2FA code) was removed before storing: what the customer "
    "must do now, in their language. On a message or attachment only in the answer to the write that carried "
    "it; on a ticket until it is closed. Null otherwise."
)


def secret_warning_field() -> serializers.SerializerMethodField:
    return serializers.SerializerMethodField(help_text=SECRET_WARNING_HELP)


class MessageSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    internal = serializers.BooleanField(read_only=True)
    secret_warning = secret_warning_field()

    class Meta:
        model = Message
        fields = ["id", "body", "author", "created_at", "internal", "kind", "secret_warning"]

    def get_secret_warning(self, message: Message) -> str | None:
        return getattr(message, "secret_warning", None)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict | None:
        role = "customer" if message.author_id == message.ticket.requester_id else "agent"
        return person(message.author, role=role)


# The optional precondition of a reply or a PATCH: the ticket's `version` the caller last saw.
EXPECTED_VERSION_HELP = (
    "Optional: the ticket's `version` the caller last saw. When someone else changed the ticket since, "
    "nothing is done and the answer is 409 with `changes` (the events after that version) and `version`."
)


def expected_version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2**63 - 1, help_text=EXPECTED_VERSION_HELP
    )


class MessageCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH, trim_whitespace=True)
    internal = serializers.BooleanField(required=False, default=False)
    expected_version = expected_version_field()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    internal = serializers.BooleanField(help_text="Staff only: never shown to the customer.")
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    secret_warning = secret_warning_field()

    def get_url(self, attachment) -> str:
        return f"/api/v1/tickets/{attachment.ticket.reference}/attachments/{attachment.pk}/"

    def get_secret_warning(self, attachment) -> str | None:
        return getattr(attachment, "secret_warning", None)


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    internal = serializers.BooleanField(
        required=False, default=False, help_text="Agents only: a working file the customer never sees."
    )


class SatisfactionOutSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class QueueInfoSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        allow_null=True, help_text=_("Place among the team's tickets awaiting a first answer; null once answered.")
    )
    position_exact = serializers.BooleanField(
        allow_null=True,
        help_text=_(
            "False when the place is an estimate (far back in a long queue: counted exactly only for the first "
            "places); null when there is no place."
        ),
    )
    estimated_first_response_at = serializers.DateTimeField(allow_null=True)


# One instance for every answer, as _DATETIME_FIELD: it keeps no state of a request (no context),
# and building a serializer and its fields per answer cost more than the three values it formats.
_QUEUE_INFO = QueueInfoSerializer()


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    text = serializers.CharField()
    data = serializers.DictField()


MASKED_HELP = (
    "Masked for every staff member (tickets.privacy): e.g. `a•••@e•••.com`. "
    "`POST tickets/{reference}/reveal/` with a reason gives the value, and is recorded."
)


class StaffPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=["customer", "agent"])
    email = serializers.CharField(help_text=MASKED_HELP)
    masked = serializers.BooleanField(help_text="True: `email` is masked.")


_DATETIME_FIELD = serializers.DateTimeField()


def _datetime(value: datetime | None) -> str | None:
    return _DATETIME_FIELD.to_representation(value) if value is not None else None


class TicketSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """The list shape. Staff get routing fields (the desk's queue rows); customers get what they
    need to follow up."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.localized_name", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    assignee = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    customer_tier = serializers.SerializerMethodField()
    possible_duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    waiting_on = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    sla_clocks = serializers.SerializerMethodField()
    sla_state = serializers.SerializerMethodField()
    sla_warning_at = serializers.SerializerMethodField()
    amount = serializers.DecimalField(
        max_digits=36, decimal_places=18, coerce_to_string=True, read_only=True, allow_null=True
    )

    # The case's structured fields: staff see them in every row; customers in their ticket's detail.
    STRUCTURED = ("asset", "network", "amount", "txid", "address", "order_id")
    STAFF_ONLY = (
        "category_name",
        "team",
        "team_name",
        "requester",
        "customer_tier",
        "sla_clocks",
        "sla_due_at",
        "sla_breached",
        "breached_metrics",
        "sla_state",
        "sla_warning_at",
        *STRUCTURED,
    )

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "subject",
            "status",
            "priority",
            "category",
            "category_name",
            "team",
            "team_name",
            "assignee",
            "requester",
            "customer_tier",
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
            "sla_state",
            "sla_warning_at",
            "created_at",
            "updated_at",
            "first_response_at",
            "solved_at",
            "closed_at",
            "asset",
            "network",
            "amount",
            "txid",
            "address",
            "order_id",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["agent", "customer"], allow_null=True))
    def get_waiting_on(self, ticket: Ticket) -> str | None:
        if ticket.status == Ticket.Status.PENDING_CUSTOMER:
            return "customer"
        if ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
            return None
        return "agent"

    # Built as plain data with shared field instances, not a nested serializer per row: creating
    # a serializer deep-copies its fields, which was most of a 100-row queue page's time.
    # The SLA fields come from the sla app's read model (tickets.sla_view), schema included.
    @extend_schema_field(sla_view.schema("promises"))
    def get_sla(self, ticket: Ticket) -> dict:
        return {name: _datetime(value) for name, value in sla_view.promises(ticket).items()}

    @extend_schema_field(sla_view.schema("clocks"))
    def get_sla_clocks(self, ticket: Ticket) -> list[dict]:
        return sla_view.staff_clocks(sla_view.clocks_of(ticket), format_time=_datetime)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, ticket: Ticket) -> dict | None:
        return person(ticket.assignee, role="agent")

    @extend_schema_field(StaffPersonSerializer)
    def get_requester(self, ticket: Ticket) -> dict | None:
        # Staff only (STAFF_ONLY): the customer's e-mail address, masked (least privilege:
        # tickets.privacy; the reveal endpoint gives it, with a reason on the record).
        data = person(ticket.requester, role="customer")
        if data is not None:
            data["email"] = privacy.mask_email(ticket.requester.email)
            data["masked"] = True
        return data

    @extend_schema_field(serializers.ChoiceField(choices=CustomerProfile.Tier.choices, allow_null=True))
    def get_customer_tier(self, ticket: Ticket) -> str | None:
        profile = getattr(ticket.requester, "customer_profile", None)
        return profile.tier if profile is not None else None

    def _sla_state(self, ticket: Ticket) -> tuple[str, datetime | None]:
        # Both fields from one pass over the clocks, at one `now` for the whole page.
        cache = self.context.setdefault("_sla_state", {})
        if ticket.pk not in cache:
            now = self.context.setdefault("_now", timezone.now())
            cache[ticket.pk] = sla_view.state_of(sla_view.clocks_of(ticket), breached=ticket.sla_breached, now=now)
        return cache[ticket.pk]

    @extend_schema_field(sla_view.schema("state"))
    def get_sla_state(self, ticket: Ticket) -> str:
        return self._sla_state(ticket)[0]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_sla_warning_at(self, ticket: Ticket) -> str | None:
        return _datetime(self._sla_state(ticket)[1])

    @property
    def _readable_fields(self):
        # Customers' answers leave the staff-only fields out: they are not computed at all (their
        # clocks, tier and panel cost time, and the team, requester and profile a join).
        request = self.context.get("request")
        hidden = () if request is not None and is_staff_member(request.user) else self.STAFF_ONLY
        for field in super()._readable_fields:
            if field.field_name not in hidden:
                yield field

    def to_representation(self, ticket: Ticket) -> dict:
        data = super().to_representation(ticket)
        request = self.context.get("request")
        if request is None or not is_staff_member(request.user):
            for name in self.STAFF_ONLY:
                data.pop(name, None)
        if data.get("amount") is not None:
            data["amount"] = f"{Decimal(data['amount']).normalize():f}"
        return data


class OtherTicketSerializer(serializers.Serializer):
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    created_at = serializers.DateTimeField()


_OTHER_TICKETS = OtherTicketSerializer(many=True)  # no request state: one instance (see _QUEUE_INFO)


class CustomerPanelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField(help_text=MASKED_HELP)
    tier = serializers.ChoiceField(choices=CustomerProfile.Tier.choices, allow_null=True)
    language = serializers.CharField()
    exchange_uid = serializers.CharField(help_text=MASKED_HELP)
    addresses = serializers.ListField(
        child=serializers.CharField(),
        help_text="The distinct addresses the customer gave on the other tickets listed (not this ticket's own, "
        "which its `address` shows), masked: e.g. `TQn9Y2…bLSE`.",
    )
    masked = serializers.BooleanField(help_text="True: `email`, `exchange_uid` and `addresses` are masked.")
    other_tickets = OtherTicketSerializer(many=True, help_text="The 10 most recent other tickets you may see.")


class RevealRequestSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=privacy.REASON_MAX_LENGTH,
        help_text=f"Why you need the customer's data (at least {privacy.REASON_MIN_LENGTH} characters); recorded.",
    )
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(privacy.REVEALABLE_FIELDS)),
        required=False,
        min_length=1,
        max_length=len(privacy.REVEALABLE_FIELDS),
        help_text="What to reveal; all of them when left out.",
    )

    def validate_reason(self, reason: str) -> str:
        if errors := privacy.reason_errors(reason):
            raise serializers.ValidationError(errors)
        return reason.strip()


class RevealSerializer(serializers.Serializer):
    """The unmasked values of the fields asked for (only those keys)."""

    email = serializers.CharField(required=False)
    exchange_uid = serializers.CharField(required=False)
    addresses = serializers.ListField(child=serializers.CharField(), required=False)


class MergedConversationSerializer(serializers.Serializer):
    """A ticket merged into this one, read where it is (nothing was moved)."""

    reference = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    merged_at = serializers.DateTimeField()
    chain_head = serializers.CharField(help_text="Its audit chain's head when it was merged (tickets.audit).")
    chain_length = serializers.IntegerField(help_text="How many events its chain held then.")
    messages = MessageSerializer(many=True, help_text="Its messages (internal notes never).")
    attachments = AttachmentSerializer(many=True, help_text="Its files (internal ones never); on its own ticket's URL.")


class TicketDetailSerializer(TicketSerializer):
    messages = MessageSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField(
        help_text="A ticket merged into another of the same customer: that ticket's reference, where the "
        "conversation continues (this one is closed and keeps its own messages); null otherwise."
    )
    merged_from = serializers.SerializerMethodField(
        help_text="The tickets merged into this one, with their conversations (read by reference, not moved)."
    )
    queue = serializers.SerializerMethodField()
    satisfaction = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(
        help_text="Staff: the id of the ticket's latest event; send it as `expected_version` with a reply or PATCH."
    )
    secret_exposed = serializers.BooleanField(
        read_only=True, help_text="A secret was removed from what the customer sent: treat it as compromised."
    )
    secret_warning = secret_warning_field()
    incident = serializers.SerializerMethodField(
        help_text="The known problem (incident) this ticket is linked to: its status, ETA, what to do; null if none."
    )

    # The customer sees the structured fields of their own ticket; the panel is for staff.
    STAFF_ONLY = (
        *(name for name in TicketSerializer.STAFF_ONLY if name not in TicketSerializer.STRUCTURED),
        "customer",
        "version",
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "memo",
            "queue",
            "satisfaction",
            "customer",
            "messages",
            "attachments",
            "timeline",
            "merged_into",
            "merged_from",
            "version",
            "secret_exposed",
            "secret_warning",
            "complaint_received_at",
            "incident",
        ]

    @extend_schema_field(incident_view.schema())
    def get_incident(self, ticket: Ticket) -> dict | None:
        return incident_view.card_of(ticket)

    def get_version(self, ticket: Ticket) -> int:
        return ticket_version(ticket)

    def get_secret_warning(self, ticket: Ticket) -> str | None:
        warning = getattr(ticket, "secret_warning", None)
        if warning or not ticket.secret_exposed or ticket.status == Ticket.Status.CLOSED:
            return warning
        # Later looks at a ticket whose secret was removed: the kinds from the prefetched events
        # (no statement); the warning holds until the ticket is closed.
        events = getattr(ticket, "_prefetched_objects_cache", {}).get("events") or []
        kinds = sorted(
            {k for e in events if e.kind == TicketEvent.Kind.SECRET_REDACTED for k in e.data.get("kinds", [])}
        )
        return secret_guard.warning_for(kinds)

    @extend_schema_field(CustomerPanelSerializer(allow_null=True))
    def get_customer(self, ticket: Ticket) -> dict | None:
        request = self.context.get("request")
        if request is None or not is_staff_member(request.user):
            return None  # removed with STAFF_ONLY; nothing is read for a customer
        requester = ticket.requester
        profile = getattr(requester, "customer_profile", None)
        others = ticket_customer_others(ticket=ticket, user=request.user)
        personal = privacy.masked(privacy.customer_personal_data(ticket, others=others))
        return {
            "id": requester.pk,
            "name": _display_name(requester),
            "email": personal["email"],
            "tier": profile.tier if profile is not None else None,
            "language": profile.language if profile is not None else ticket.language,
            "exchange_uid": personal["exchange_uid"],
            "addresses": personal["addresses"],
            "masked": True,
            "other_tickets": _OTHER_TICKETS.to_representation(others),
        }

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, ticket: Ticket) -> list[dict]:
        return public_timeline(ticket)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, ticket: Ticket) -> str | None:
        return merged_into_reference(ticket)

    @extend_schema_field(MergedConversationSerializer(many=True))
    def get_merged_from(self, ticket: Ticket) -> list[dict]:
        # No statement unless the (prefetched) events record a merge; no serializer for none.
        conversations = merged_conversations(ticket)
        return MergedConversationSerializer(conversations, many=True).data if conversations else []

    @extend_schema_field(SatisfactionOutSerializer(allow_null=True))
    def get_satisfaction(self, ticket: Ticket) -> dict | None:
        rating = getattr(ticket, "satisfaction", None)
        return SatisfactionOutSerializer(rating).data if rating else None

    @extend_schema_field(QueueInfoSerializer)
    def get_queue(self, ticket: Ticket) -> dict:
        # A ticket just filed carries the place its creation counted (tickets.services.ticket_create).
        info = getattr(ticket, "queue_info", None) or ticket_queue_info(ticket=ticket, now=timezone.now())
        return _QUEUE_INFO.to_representation(info)


class ActiveCategoryField(serializers.SlugRelatedField):
    """An active category by code, with its team (the new ticket is routed to it), from the
    process's copy (tickets.categories): no statement. The queryset describes it in the schema."""

    def __init__(self, **kwargs) -> None:
        super().__init__(slug_field="code", queryset=Category.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        category = active_category(data)
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return category


class TicketCreateSerializer(StrictSerializer):
    category = ActiveCategoryField()
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
    is_complaint = serializers.BooleanField(
        required=False, default=False, help_text="File it as a formal complaint (received now)."
    )

    def validate_amount(self, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise serializers.ValidationError(_("The amount must be greater than zero."))
        return value

    def validate(self, attrs: dict) -> dict:
        # The service's rule (ticket_create enforces it too), shown as field errors.
        errors = ticket_fields_errors(attrs["category"], attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ComplaintMarkSerializer(StrictSerializer):
    is_complaint = serializers.BooleanField(required=False, default=True)


class TicketUpdateSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), required=False)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    is_complaint = serializers.BooleanField(required=False)
    expected_version = expected_version_field()

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"expected_version"}:
            raise serializers.ValidationError(_("Nothing to change: send at least one field."))
        return attrs


class AssignSerializer(StrictSerializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), allow_null=True)


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
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


class StaleSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    version = serializers.IntegerField(required=False, help_text="With code `stale`: the ticket's version now.")
    changes = EventSerializer(many=True, required=False, help_text="With code `stale`: the changes since.")


class MacroSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    set_team = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body",
            "internal",
            "set_status",
            "set_priority",
            "set_team",
            "team",
            "scope",
            "can_edit",
            "updated_at",
        ]

    def get_set_team(self, macro: Macro) -> str:
        """The code of the team the macro moves the ticket to, or "" (as set_status and set_priority)."""
        return macro.set_team.code if macro.set_team_id else ""

    @extend_schema_field(serializers.ChoiceField(choices=macro_rules.Scope.CHOICES))
    def get_scope(self, macro: Macro) -> str:
        """`personal` (the caller's own), `team` (shared with `team`) or `everyone`."""
        return macro_rules.macro_scope(macro)

    def get_can_edit(self, macro: Macro) -> bool:
        """Whether the caller may edit and delete it (their own personal macros; leads: shared ones)."""
        request = self.context.get("request")
        user = self.context.get("user") or (request.user if request is not None else None)
        return user is not None and macro_rules.macro_can_edit(user=user, macro=macro)


class MacroCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=settings.MESSAGE_BODY_MAX_LENGTH)
    internal = serializers.BooleanField(required=False, default=False)
    set_status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False, allow_blank=True, default="")
    set_priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True, default="")
    team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    set_team = serializers.SlugRelatedField(
        slug_field="code", queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    scope = serializers.ChoiceField(
        choices=macro_rules.Scope.CHOICES,
        required=False,
        help_text="`personal` (any agent), `team` (with `team`) or `everyone` (leads and admins). "
        "Omitted: `team` when a team is given, else `everyone`.",
    )


class MacroPreviewSerializer(serializers.Serializer):
    body = serializers.CharField()
    actions = serializers.DictField(child=serializers.CharField(), help_text="status, priority, team (code)")


BULK_ACTIONS = ["assign", "claim", "status", "priority", "team", "apply_macro"]
BULK_MAX_REFERENCES = 100


class BulkRequestSerializer(StrictSerializer):
    references = serializers.ListField(
        child=serializers.CharField(max_length=20), min_length=1, max_length=BULK_MAX_REFERENCES
    )
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), required=False)
    macro = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)

    # Which parameter each action needs.
    NEEDS = {"assign": "assignee", "status": "status", "priority": "priority", "team": "team", "apply_macro": "macro"}

    def validate_references(self, references: list[str]) -> list[str]:
        if len(set(references)) != len(references):
            raise serializers.ValidationError(_("Send each reference once."))
        return references

    def validate(self, attrs: dict) -> dict:
        needed = self.NEEDS.get(attrs["action"])
        if needed and needed not in attrs:
            raise serializers.ValidationError({needed: [_("This action needs this field.")]})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    ok = serializers.BooleanField()
    error = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AgentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    teams = serializers.ListField(child=serializers.CharField())
    role = serializers.ChoiceField(choices=["agent", "lead", "admin"])
    available = serializers.BooleanField(help_text="Available for automatic assignment (else away).")


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Staff enrolled in two-factor authentication: the authenticator app's code, or a recovery code.",
    )


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


class DuplicateQuerySerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    txid = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    order_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class DuplicateCheckSerializer(serializers.Serializer):
    possible_duplicate_of = serializers.CharField(allow_null=True)
    subject = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)


class MergeRequestSerializer(StrictSerializer):
    into = serializers.CharField(max_length=20, trim_whitespace=True, help_text="The main ticket's reference.")
    expected_version = expected_version_field()


class SplitRequestSerializer(StrictSerializer):
    subject = serializers.CharField(
        max_length=settings.TICKET_SUBJECT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_visible_text],
        help_text='The new ticket\'s subject; "Split from <reference>" when left out.',
    )


class MergeSuggestionSerializer(serializers.Serializer):
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    created_at = serializers.DateTimeField()
    same = serializers.ChoiceField(
        choices=["txid", "order_id", "email_subject"],
        allow_null=True,
        help_text=(
            "The duplicate rule matched: the same transaction hash or order id; or this e-mailed ticket named "
            "that one in its subject (without its reply address: a suggestion only)."
        ),
    )
    similarity = serializers.FloatField(help_text="0..1: subject and opening text alike.")
    score = serializers.FloatField(help_text="The rank: 1 for the same transaction or order, plus the similarity.")
    suggested = serializers.BooleanField(help_text="Worth a look: the duplicate rule matched, or the texts are alike.")
