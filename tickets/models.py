import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from support_desk.compiled_insert import CompiledInsert

# Crockford base32 without I, L, O, U: easy to read aloud over the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """An unguessable ticket reference: 60 random bits, never a sequential id."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
    return f"SD-{body[:4]}-{body[4:8]}-{body[8:]}"


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# The queue's first sort key: the nearest SLA due time, tickets without a running clock last.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
QUEUE_DUE = Coalesce(F("sla_due_at"), Value(FAR_FUTURE, output_field=models.DateTimeField()))
# Status groups, defined once: the partial indexes below and the selectors' filters must agree.
OPEN_STATUS_VALUES = ("new", "open", "pending_customer", "on_hold")
AWAITING_FIRST_RESPONSE_VALUES = ("new", "open", "on_hold")

# Lower rank = more urgent (lists sort on the stored rank).
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
PRIORITY_BY_RANK = {rank: priority for priority, rank in PRIORITY_RANK.items()}


class StructuredField(models.TextChoices):
    ASSET = "asset", _("Asset")
    NETWORK = "network", _("Network")
    AMOUNT = "amount", _("Amount")
    TXID = "txid", _("Transaction hash")
    ADDRESS = "address", _("Address")
    MEMO = "memo", _("Memo / tag")
    ORDER_ID = "order_id", _("Order ID")


class Team(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True
    )

    class Routing(models.TextChoices):
        OFF = "off", _("Off (tickets wait for a claim)")
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_OPEN = "least_open", _("Fewest open tickets")

    routing = models.CharField(
        _("automatic assignment"),
        max_length=16,
        choices=Routing.choices,
        default=Routing.OFF,
        help_text=_(
            "How a new ticket gets an agent: off (it waits in the queue for a claim), in turn, or to the "
            "agent with the fewest open tickets. Only agents marked available who speak the ticket's "
            "language and are under their cap are chosen."
        ),
    )
    # Advanced by every routed ticket, under the row's lock (tickets.routing): whose turn it is.
    routing_turn = models.PositiveBigIntegerField(_("routing turn"), default=0, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh_hans = models.TextField(_("description (Simplified Chinese)"), blank=True)
    required_fields = models.JSONField(
        _("required fields"),
        default=list,
        blank=True,
        help_text=_('Structured fields a customer must fill in, e.g. ["asset", "txid"].'),
    )
    optional_fields = models.JSONField(_("optional fields"), default=list, blank=True)
    default_team = models.ForeignKey(
        Team, verbose_name=_("default team"), on_delete=models.PROTECT, related_name="categories"
    )
    default_priority = models.CharField(
        _("default priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        allowed = set(StructuredField.values)
        for field in ("required_fields", "optional_fields"):
            unknown = set(getattr(self, field) or []) - allowed
            if unknown:
                raise ValidationError({field: _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}})

    def localized_name(self) -> str:
        if (get_language() or "").lower().startswith("zh") and self.name_zh_hans:
            return self.name_zh_hans
        return self.name

    def localized_description(self) -> str:
        if (get_language() or "").lower().startswith("zh") and self.description_zh_hans:
            return self.description_zh_hans
        return self.description


class AssetThreshold(models.Model):
    """Amounts at or above this raise a ticket's priority one level (money-first triage)."""

    asset = models.CharField(_("asset"), max_length=16, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=36, decimal_places=18)

    class Meta:
        ordering = ["asset"]
        verbose_name = _("large-amount threshold")
        verbose_name_plural = _("large-amount thresholds")

    def __str__(self) -> str:
        return f"{self.asset} ≥ {self.amount.normalize():f}"

    def save(self, *args, **kwargs) -> None:
        self.asset = self.asset.upper()
        super().save(*args, **kwargs)


# Written by the database only (the audit chain trigger of migration 0021).
CHAIN_FIELDS = frozenset({"audit_head", "audit_length"})

# Ticket columns the SLA report filters and groups by, besides priority (sla.reports).
REPORT_COLUMNS = ["team", "category", "assignee", "channel"]


class Ticket(CompiledInsert, models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING_CUSTOMER = "pending_customer", _("Waiting on customer")
        ON_HOLD = "on_hold", _("On hold")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EMAIL = "email", _("E-mail")
        API = "api", _("API")
        GUEST = "guest", _("Guest form")

    # The channels of guest tickets, whose customer does not log in: the no-login form and an
    # e-mail (tickets.inbound). Their e-mails carry a private link (tickets.guest).
    GUEST_CHANNELS = (Channel.GUEST, Channel.EMAIL)

    # Unique through Meta.constraints, not unique=True: on PostgreSQL the field option also builds a
    # varchar_pattern_ops index for LIKE 'prefix%' that no query uses and every ticket update writes.
    reference = models.CharField(_("reference"), max_length=20, default=new_reference, editable=False)
    # Single-column foreign-key indexes are left out where a composite index below starts with
    # the column: every index is written on each update (the SLA sweep updates tickets in bulk).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets")
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        db_index=False,
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=PRIORITY_RANK[Priority.NORMAL])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    subject = models.CharField(_("subject"), max_length=200)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(_("language"), max_length=8, default="en")
    asset = models.CharField(_("asset"), max_length=16, blank=True)
    network = models.CharField(_("network"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=36, decimal_places=18, null=True, blank=True)
    txid = models.CharField(_("transaction hash"), max_length=128, blank=True)
    address = models.CharField(_("address"), max_length=128, blank=True)
    memo = models.CharField(_("memo / tag"), max_length=64, blank=True)
    order_id = models.CharField(_("order ID"), max_length=64, blank=True)
    is_complaint = models.BooleanField(_("formal complaint"), default=False)
    # When the formal complaint was received (the statutory deadlines run from it): the filing time
    # when it was filed as one, else when the customer or an agent marked it.
    complaint_received_at = models.DateTimeField(_("complaint received at"), null=True, blank=True)
    # A seed phrase, key, API secret or 2FA code was pasted (and removed before storing): the
    # customer must treat it as compromised; the security team owns the ticket.
    secret_exposed = models.BooleanField(_("secret exposed"), default=False)
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        db_index=False,  # never looked up from this side; one index less on every ticket write
    )
    # A duplicate an agent merged into another ticket of the same customer (tickets.merge): it is
    # closed, keeps its own messages and events, and points here. Indexed partially below.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Denormalised from the SLA clocks (sla app) so the queue can sort and filter on an index.
    sla_due_at = models.DateTimeField(_("nearest SLA due time"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    breached_metrics = models.JSONField(_("breached metrics"), default=list, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The audit trail's hash chain (tickets.audit): the hash of the latest event and how many there
    # are. Advanced by the database on every INSERT of events (a trigger), never by a save().
    audit_head = models.CharField(
        _("audit chain head"), max_length=64, blank=True, default="", db_default="", editable=False
    )
    audit_length = models.PositiveIntegerField(_("audit chain length"), default=0, db_default=0, editable=False)

    class Meta:
        ordering = ["priority_rank", "created_at", "id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The agents' queue: open work in queue order (see QUEUE_DUE); team filters ride along.
            # No index holds priority_rank: the SLA sweep's breach update (flags, raised priority)
            # then changes no indexed column and stays a HOT update, one heap page per ticket
            # instead of a new entry in every index. The due time already ranks by priority (urgent
            # targets are shorter); ties are broken by age.
            models.Index(
                QUEUE_DUE,
                F("created_at"),
                F("id"),
                condition=Q(status__in=OPEN_STATUS_VALUES),
                name="ticket_open_queue_idx",
            ),
            # A customer's place in the team's queue (same order, tickets awaiting a first answer).
            models.Index(
                F("team"),
                QUEUE_DUE,
                F("created_at"),
                F("id"),
                condition=Q(first_response_at__isnull=True, status__in=AWAITING_FIRST_RESPONSE_VALUES),
                name="ticket_waiting_first_idx",
            ),
            models.Index(fields=["team", "first_response_at"], name="ticket_team_answered_idx"),
            # The desk's "My open" view: one agent's open work in queue order (an index range).
            models.Index(
                F("assignee"),
                QUEUE_DUE,
                F("created_at"),
                F("id"),
                condition=Q(status__in=OPEN_STATUS_VALUES, assignee__isnull=False),
                name="ticket_assignee_queue_idx",
            ),
            # The desk's search on identifiers (any case); partial: most tickets have none of them.
            models.Index(Upper("txid"), condition=~Q(txid=""), name="ticket_txid_upper_idx"),
            models.Index(Upper("address"), condition=~Q(address=""), name="ticket_address_upper_idx"),
            models.Index(Upper("order_id"), condition=~Q(order_id=""), name="ticket_order_upper_idx"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_idx"),
            # Partial indexes: a row outside the condition costs no index write when it changes.
            models.Index(
                fields=["assignee", "status"], condition=Q(assignee__isnull=False), name="ticket_assignee_idx"
            ),
            # The SLA report's percentiles over a period: index-only range scans (reports/sla/).
            # Partial: a ticket gets an entry only once answered or solved, never at creation.
            # Covering the report's filters and breakdowns too: team, category, assignee are
            # indexed elsewhere already and channel never changes, so including them costs no HOT
            # update (priority is left out: the sweep's priority raise stays a HOT update).
            models.Index(
                fields=["first_response_at", "created_at"],
                include=REPORT_COLUMNS,
                condition=Q(first_response_at__isnull=False),
                name="ticket_answered_report_idx",
            ),
            models.Index(
                fields=["solved_at", "created_at"],
                include=REPORT_COLUMNS,
                condition=Q(solved_at__isnull=False),
                name="ticket_solved_report_idx",
            ),
            # The SLA report's count of tickets created in a period: an index-only range scan,
            # not a scan of the table (priority left out, as above).
            models.Index(fields=["created_at"], include=REPORT_COLUMNS, name="ticket_created_report_idx"),
            # Reminders and auto-close: tickets that have waited on the customer, or stayed solved.
            models.Index(
                fields=["status", "status_changed_at"],
                condition=Q(status__in=["pending_customer", "solved"]),
                name="ticket_status_age_idx",
            ),
            # The tickets merged into a main ticket (its "Merged from" sections): a sliver of all.
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="ticket_merged_into_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="ticket_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
                name="ticket_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def save(self, *args, **kwargs) -> None:
        self.priority_rank = PRIORITY_RANK[Priority(self.priority)]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "priority" in update_fields:
            kwargs["update_fields"] = {*update_fields, "priority_rank"}
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            # A full save of an instance loaded before an event was recorded would put an old
            # chain head back: the chain's columns are the trigger's alone.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in CHAIN_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.SOLVED, self.Status.CLOSED)


class Message(CompiledInsert, models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        INTERNAL = "internal", _("Internal note")
        SYSTEM = "system", _("System message")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_messages",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PUBLIC)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"))
    # The first message of a ticket split out of another (tickets.merge.message_split): a copy of
    # that message's text, which stays where it was; this is the reference to it.
    split_from = models.ForeignKey(
        "self",
        verbose_name=_("split from message"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_copies",
        db_index=False,  # never looked up from this side
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.get_kind_display()} #{self.pk}"

    @property
    def internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random; the customer's file name is only kept as data.
    return f"attachments/{instance.created_at:%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploaded_attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # An agent's working file (e.g. a partner bank's statement): never shown to the customer.
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class AppendOnlyError(Exception):
    pass


class TicketEvent(CompiledInsert, models.Model):
    """The append-only audit trail: one row per state change, written only by tickets.audit."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        MESSAGE_ADDED = "message_added", _("Message added")
        ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REOPENED = "reopened", _("Reopened")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Unassigned")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        TEAM_CHANGED = "team_changed", _("Team changed")
        CATEGORY_CHANGED = "category_changed", _("Category changed")
        COMPLAINT_CHANGED = "complaint_changed", _("Formal complaint flag changed")
        FIRST_RESPONSE = "first_response", _("First response")
        RATED = "rated", _("Rated")
        MACRO_APPLIED = "macro_applied", _("Macro applied")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        GUEST_LINK_ISSUED = "guest_link_issued", _("Guest link issued")
        GUEST_LINK_REVOKED = "guest_link_revoked", _("Guest link revoked")
        REQUESTER_CHANGED = "requester_changed", _("Requester changed")
        SECRET_REDACTED = "secret_redacted", _("Secret removed")
        FREEZE_REQUESTED = "freeze_requested", _("Account freeze requested")
        AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("Audit chain broken")
        PII_REVEALED = "pii_revealed", _("Customer data revealed")
        MERGED_INTO = "merged_into", _("Merged into another ticket")
        MERGED_FROM = "merged_from", _("Another ticket merged in")
        SPLIT_TO = "split_to", _("Message split into a new ticket")
        SPLIT_FROM = "split_from", _("Split from another ticket")
        INCIDENT_LINKED = "incident_linked", _("Linked to an incident")
        INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from an incident")
        EMAIL_RECEIVED = "email_received", _("E-mail received")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_events",
        db_index=False,  # partial index below: system events (the SLA sweep's thousands) have no actor
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))
    # The hash chain (tickets.audit): the previous event's hash on this ticket ('' for the first)
    # and SHA-256 over this event's canonical form with prev.
    prev = models.CharField(_("previous hash"), max_length=64, blank=True, default="", db_default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at", "id"], name="event_ticket_idx"),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="event_actor_idx"),
            # Breaches in a period, for the SLA report (a small share of all events): covering, so
            # the report's GROUP BY on the team and category in `data` reads the index alone (an
            # index-only scan: 0.08 s instead of 0.3 s of heap fetches at 270k breaches).
            models.Index(
                fields=["at"],
                include=["ticket", "data"],
                condition=models.Q(kind="sla_breached"),
                name="event_breach_cover_idx",
            ),
            # The leads' review of reveals (tickets.access_log), newest first: all, or one agent's.
            # Partial: reveals are a sliver of the trail.
            models.Index(
                F("at").desc(), F("id").desc(), condition=models.Q(kind="pii_revealed"), name="event_reveal_idx"
            ),
            models.Index(
                F("actor"),
                F("at").desc(),
                F("id").desc(),
                condition=models.Q(kind="pii_revealed"),
                name="event_reveal_actor_idx",
            ),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ticket events are append-only.")


class GuestLink(models.Model):
    """A private link that opens one ticket without a login (the customer cannot log in).

    The secret is random (256 bits) and only its SHA-256 is stored: a database dump, a log or the
    outbox never holds a usable link. It expires, and it is revoked when a new link is issued for
    the ticket, when the customer logs in, or by staff.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="guest_links", db_index=False)
    email = models.EmailField(_("e-mail address"))
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    first_used_at = models.DateTimeField(_("first used at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("revoked because"), max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("guest link")
        verbose_name_plural = _("guest links")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="guest_link_ticket_idx")]
        constraints = [models.UniqueConstraint(fields=["secret_hash"], name="guest_link_secret_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class Macro(models.Model):
    """A canned reply an agent applies in one click, optionally changing status, priority or team."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("body"))
    internal = models.BooleanField(_("post as internal note"), default=False)
    set_status = models.CharField(_("set status"), max_length=20, choices=Ticket.Status.choices, blank=True)
    set_priority = models.CharField(_("set priority"), max_length=8, choices=Priority.choices, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        help_text=_("Empty: shared by every team."),
    )
    set_team = models.ForeignKey(
        Team,
        verbose_name=_("move to team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Applying the macro moves the ticket to this team."),
    )
    # A personal macro: only its owner sees, uses and edits it (then `team` is empty). Without an
    # owner the macro is shared: with `team`, or with every team. Who may write which is decided in
    # tickets.macros (the API and the admin both go through it).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personal macro of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_macros",
        help_text=_("Empty: a shared macro (of the team above, or of every team)."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True), name="macro_personal_or_team"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.owner_id is not None and self.team_id is not None:
            raise ValidationError({"team": _("A personal macro belongs to no team.")})


class Satisfaction(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="satisfaction")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="satisfaction_rating_1_to_5")
        ]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}/5"


class TicketAccess(models.Model):
    """Who of the staff opened which ticket, when (issue 12, item 6): one row per staff member,
    ticket and hour, with the first and last read in it and how many. The ticket detail's read by
    a staff member writes it in one statement (tickets.access_log.ticket_access_record: an
    INSERT … ON CONFLICT DO UPDATE); the workspace re-reads the detail every 15 s while it is open,
    so `count` is reads, not page loads. Leads and admins review it (tickets/{reference}/access/,
    staff-access/, the desk's /desk/access/).

    The update touches only `last_at` and `count`, which no index holds: on PostgreSQL a HOT
    update, no index write per read."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="ticket_accesses",
        db_index=False,  # ticket_access_staff_idx
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="accesses", db_index=False
    )
    hour = models.DateTimeField(_("hour"), help_text=_("The start of the hour (UTC) the reads fell in."))
    first_at = models.DateTimeField(_("first read at"))
    last_at = models.DateTimeField(_("last read at"))
    count = models.PositiveIntegerField(_("reads"), default=1)

    class Meta:
        verbose_name = _("ticket access")
        verbose_name_plural = _("ticket accesses")
        constraints = [
            # The upsert's conflict target; also serves a ticket's summary per staff member.
            models.UniqueConstraint(fields=["ticket", "staff", "hour"], name="ticket_access_unique"),
        ]
        indexes = [
            # The review's lists, newest first (keyset pages): one ticket's, one agent's, all.
            models.Index(F("ticket"), F("hour").desc(), F("id").desc(), name="ticket_access_ticket_idx"),
            models.Index(F("staff"), F("hour").desc(), F("id").desc(), name="ticket_access_staff_idx"),
            models.Index(F("hour").desc(), F("id").desc(), name="ticket_access_hour_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.ticket_id} {self.hour:%Y-%m-%d %H:00} ×{self.count}"


def new_reply_token() -> str:
    """The random part of a ticket's reply address (support+<token>@…): 128 bits, lower-case hex
    so a mail server that folds the case of the local part does not break it."""
    return secrets.token_hex(16)


class TicketReplyAddress(models.Model):
    """A ticket's own reply address: an e-mail to support+<token>@… joins this ticket (the token
    is the proof; the From line is forgeable). Made when the first customer e-mail is sent."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="reply_address"
    )
    token = models.CharField(_("token"), max_length=32, unique=True, default=new_reply_token, editable=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ticket reply address")
        verbose_name_plural = _("ticket reply addresses")

    def __str__(self) -> str:
        return f"{self.ticket_id} reply address"


class InboundEmail(models.Model):
    """One e-mail the desk received (webhook, IMAP poll), whatever became of it: a new ticket, a
    reply on a ticket, or nothing (an auto-reply, a bounce: `reason`). Its raw message is kept as
    received (evidence), with the SHA-256 of what arrived; `dedupe_key` (its Message-ID, else that
    SHA-256) makes a mail fetched twice one ticket."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Inbound webhook")
        IMAP = "imap", _("IMAP mailbox")

    class Status(models.TextChoices):
        TICKET_CREATED = "ticket_created", _("New ticket")
        REPLY_ADDED = "reply_added", _("Reply on a ticket")
        IGNORED = "ignored", _("Ignored")

    dedupe_key = models.CharField(_("Message-ID"), max_length=255, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    # How a reply found its ticket: "token" (the reply address) or "message_id" (In-Reply-To or
    # References naming an e-mail the desk sent); "" for a new ticket.
    matched_by = models.CharField(_("matched by"), max_length=16, blank=True)
    # A ticket reference named only in the subject (no proof): shown to the desk as a merge to consider.
    suggested_merge = models.CharField(_("suggested merge"), max_length=20, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_emails"
    )
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raw = models.BinaryField(_("raw message"), editable=False)
    raw_sha256 = models.CharField(_("SHA-256 of the raw message"), max_length=64)
    # The raw message is not kept when it carried a secret the guard could not remove from it.
    raw_withheld = models.BooleanField(_("raw message withheld"), default=False)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = [models.Index(fields=["from_address", "received_at"], name="inbound_from_idx")]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject} ({self.status})"
