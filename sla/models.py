from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import CustomerProfile
from tickets.models import Category, Priority, Team, Ticket, TicketEvent


def validate_time_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}) from error


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")
    RESOLUTION = "resolution", _("Resolution")


class BusinessCalendar(models.Model):
    """When the clock runs. 24x7 by default: crypto never closes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    is_24x7 = models.BooleanField(_("24x7"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class WorkingInterval(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working interval")
        verbose_name_plural = _("working intervals")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != time(0) and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start (00:00 = midnight).")})


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def default_pause_statuses() -> dict:
    return {metric: [Ticket.Status.PENDING_CUSTOMER] for metric in Metric.values}


class ComplaintPreset(models.TextChoices):
    """The statutory deadlines a formal complaint policy encodes (sla.complaints.presets)."""

    EU_MICA = "eu_mica", _("EU MiCA art. 71 + Delegated Regulation (EU) 2025/294")
    UK_DISP = "uk_disp", _("UK FCA DISP 1")
    UK_DISP_PAYMENTS = "uk_disp_payments", _("UK FCA DISP 1: payment and e-money services")
    NYDFS = "nydfs", _("NYDFS guidance of 30 May 2024")


class SlaPolicy(models.Model):
    """Ordered; the first active policy whose conditions all match a ticket applies.
    An empty condition matches anything."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=100, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="sla_policies")
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    is_complaint = models.BooleanField(_("formal complaint"), null=True, blank=True, help_text=_("Empty: any ticket."))
    # A formal complaint policy: the preset whose deadlines apply to the complaints it matches,
    # each deadline overridable ({"final_response": {"amount": 6, "unit": "calendar_weeks"}}), and
    # the contact the acknowledgement gives.
    complaint_preset = models.CharField(
        _("complaint preset"), max_length=20, choices=ComplaintPreset.choices, blank=True, default=""
    )
    complaint_deadlines = models.JSONField(
        _("complaint deadlines (overrides)"),
        default=dict,
        blank=True,
        help_text=_('e.g. {"acknowledgement": {"amount": 60, "unit": "working_minutes"}}'),
    )
    complaint_contact = models.CharField(_("complaint contact"), max_length=200, blank=True, default="")
    pause_statuses = models.JSONField(
        _("statuses that pause each metric"),
        default=default_pause_statuses,
        blank=True,
        help_text=_('e.g. {"resolution": ["pending_customer"]}; on_hold pauses nothing unless listed.'),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if set(self.priorities or []) - set(Priority.values):
            errors["priorities"] = _("Unknown priority.")
        if set(self.tiers or []) - set(CustomerProfile.Tier.values):
            errors["tiers"] = _("Unknown tier.")
        if set(self.channels or []) - set(Ticket.Channel.values):
            errors["channels"] = _("Unknown channel.")
        pauses = self.pause_statuses or {}
        if not isinstance(pauses, dict) or set(pauses) - set(Metric.values):
            errors["pause_statuses"] = _("Keys must be metrics.")
        elif any(set(v) - set(Ticket.Status.values) for v in pauses.values()):
            errors["pause_statuses"] = _("Values must be lists of statuses.")
        from .complaints.presets import deadline_override_errors

        override_errors = deadline_override_errors(self.complaint_deadlines)
        if override_errors:
            errors["complaint_deadlines"] = override_errors
        if errors:
            raise ValidationError(errors)

    def pauses(self, metric: str, status: str) -> bool:
        return status in (self.pause_statuses or {}).get(metric, [])


# The longest target the API and the admin accept (TargetSerializer, sla.forms).
TARGET_MAX_MINUTES = 60 * 24 * 366


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["policy", "metric", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority", "metric"], name="sla_target_unique"),
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="sla_target_positive"),
        ]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.get_priority_display()}: {self.minutes} min"


class EscalationRule(models.Model):
    """A ladder: the steps taken as one metric's clock runs through its target."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalation_rules")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["policy", "metric"]
        constraints = [models.UniqueConstraint(fields=["policy", "metric"], name="escalation_rule_unique")]
        verbose_name = _("escalation ladder")
        verbose_name_plural = _("escalation ladders")

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_metric_display()}"


class EscalationStep(models.Model):
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="steps")
    percent = models.PositiveSmallIntegerField(
        _("percent of target"), validators=[MinValueValidator(1)], help_text=_("100 = the moment of breach.")
    )
    notify_assignee = models.BooleanField(_("notify the assignee"), default=False)
    notify_team = models.BooleanField(_("notify the team (when unassigned: always)"), default=False)
    notify_team_lead = models.BooleanField(_("notify the team lead"), default=False)
    notify_leads_and_admins = models.BooleanField(_("notify all leads and admins"), default=False)
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify these users"), blank=True, related_name="+"
    )
    raise_priority = models.BooleanField(_("raise priority one level"), default=False)
    move_to_team = models.ForeignKey(
        Team, verbose_name=_("move to team"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unassign = models.BooleanField(_("unassign"), default=False)
    internal_note = models.TextField(_("post an internal note"), blank=True)
    # The step's event also goes to this endpoint (signed with its secret), besides every endpoint
    # subscribed to the event type.
    webhook_endpoint = models.ForeignKey(
        "notifications.WebhookEndpoint",
        verbose_name=_("webhook endpoint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["rule", "percent"]
        constraints = [models.UniqueConstraint(fields=["rule", "percent"], name="escalation_step_unique_percent")]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.rule} @ {self.percent}%"

    @property
    def event_kind(self) -> str:
        if self.percent < 100:
            return TicketEvent.Kind.SLA_WARNING
        if self.percent == 100:
            return TicketEvent.Kind.SLA_BREACHED
        return TicketEvent.Kind.ESCALATED


class SlaClock(models.Model):
    """One per ticket and metric. Elapsed working time is kept across pauses; the sweep
    looks only at clocks whose next_check_at has come."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        FULFILLED = "fulfilled", _("Fulfilled")
        STOPPED = "stopped", _("Stopped")

    # Indexes are few on purpose: the sweep rewrites every due clock (next_check_at, which its
    # partial index holds, so never a HOT update) and each index costs a write per clock (the
    # report's partial indexes only for clocks already breached or fulfilled). ticket is
    # covered by the unique (ticket, metric); policy and calendar are read only by a policy edit's
    # recompute (a background task) and by deleting a policy or calendar, which may scan.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks", db_index=False)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="clocks", db_index=False
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    cycle = models.PositiveIntegerField(
        _("cycle"), default=1, help_text=_("Next response and periodic update restart; each run is a cycle.")
    )
    target_seconds = models.PositiveIntegerField(_("target (seconds of working time)"))
    started_at = models.DateTimeField(_("started at"))
    segment_started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    elapsed_seconds = models.FloatField(_("working seconds before this run"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_intervals = models.JSONField(_("paused intervals"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    # Held by an incident whose clocks pause (incidents: sla_clocks "pause"): paused whatever the
    # ticket's status says until the incident releases it (sla.services.sla_clocks_hold).
    held = models.BooleanField(_("held by an incident"), default=False, db_default=False)
    # Where the ticket stood when the clock was fulfilled (the report's breakdowns by team,
    # category, priority, channel and agent read them from sla_clock_fulfilled_idx alone, with no
    # join to the tickets). Plain ids, no constraint: a deleted team or agent leaves its history.
    ended_team = models.ForeignKey(
        Team,
        verbose_name=_("team when fulfilled"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ended_category = models.ForeignKey(
        Category,
        verbose_name=_("category when fulfilled"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ended_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee when fulfilled"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ended_priority = models.CharField(_("priority when fulfilled"), max_length=10, blank=True, default="")
    ended_channel = models.CharField(_("channel when fulfilled"), max_length=8, blank=True, default="")

    class Meta:
        ordering = ["ticket_id", "metric"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="sla_clock_one_per_metric")]
        indexes = [
            # The sweep reads only due rows: a partial index keeps it small.
            models.Index(
                fields=["next_check_at"], condition=models.Q(next_check_at__isnull=False), name="sla_clock_due_idx"
            ),
            # The SLA report's compliance: clocks fulfilled, or breached, in a period, read from the
            # index alone (metric and the other time are key columns: an index-only scan). Partial:
            # a running, unbreached clock (all the sweep rewrites, but for breaches) has no entry.
            models.Index(
                fields=["fulfilled_at", "metric", "breached_at"],
                include=["ended_team", "ended_category", "ended_assignee", "ended_priority", "ended_channel"],
                condition=models.Q(fulfilled_at__isnull=False),
                name="sla_clock_ended_idx",
            ),
            models.Index(
                fields=["breached_at", "metric", "fulfilled_at"],
                include=["ticket"],  # the report's breakdown looks the few running ones' tickets up
                condition=models.Q(breached_at__isnull=False),
                name="sla_clock_breach_cover_idx",
            ),
        ]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} ({self.state})"


class EscalationFiring(models.Model):
    """A step fired for a clock's cycle. The unique row is what makes "exactly once" true
    whatever the number of workers, retries or duplicate deliveries."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="firings", db_index=False)
    step = models.ForeignKey(EscalationStep, on_delete=models.CASCADE, related_name="firings")
    cycle = models.PositiveIntegerField(default=1)
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clock", "step", "cycle"], name="escalation_fires_once"),
        ]
        verbose_name = _("escalation firing")
        verbose_name_plural = _("escalation firings")

    def __str__(self) -> str:
        return f"{self.step} for clock {self.clock_id} (cycle {self.cycle})"


class CustomerReminder(models.Model):
    """A reminder or auto-close notice sent once per waiting period (cycle = the ticket's
    status change count when it started waiting)."""

    class Kind(models.TextChoices):
        WAITING = "waiting", _("Waiting on you")
        AUTO_CLOSE_PENDING = "auto_close_pending", _("Closed: no answer")
        AUTO_CLOSE_SOLVED = "auto_close_solved", _("Closed after solving")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="customer_reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    hours = models.PositiveIntegerField(default=0)
    since = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "hours", "since"], name="customer_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.hours}h"


class BacklogSnapshot(models.Model):
    """Open tickets counted by where they stand (team, category, priority, channel, assignee),
    once per UTC day and combination: the report's backlog over time. A snapshot task counts them
    every hour and overwrites the day's row, so a day keeps its last count and `taken_at` says
    when that was (a day the task never ran has no row and the report shows no point for it).
    A count replaces the day's rows in one transaction (services: backlog_snapshot_take)."""

    day = models.DateField(_("day (UTC)"))
    taken_at = models.DateTimeField(_("counted at"))
    team = models.ForeignKey(Team, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    priority = models.CharField(_("priority"), max_length=10)
    channel = models.CharField(_("channel"), max_length=8)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    open_tickets = models.PositiveIntegerField(_("open tickets"))
    # Of those, breached (Ticket.sla_breached): the report's "open and breached" at the last count.
    # Counted here, not in the report: a live count would need an index on sla_breached, which
    # would take the sweep's breach update off the HOT path.
    open_breached = models.PositiveIntegerField(_("open and breached"), default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="sla_backlog_day_idx")]
        verbose_name = _("backlog snapshot")
        verbose_name_plural = _("backlog snapshots")

    def __str__(self) -> str:
        return f"{self.day}: {self.open_tickets}"


class Complaint(models.Model):
    """A formal complaint: one per ticket, from when it was received to its final response.
    The register and the regulator's report read these rows (sla.complaints.reports)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
        REJECTED = "rejected", _("Rejected")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="complaint")
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints", db_index=False
    )
    preset = models.CharField(_("preset"), max_length=20, choices=ComplaintPreset.choices)
    received_at = models.DateTimeField(_("received at"))
    language = models.CharField(_("language of the complaint"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    holding_reply_at = models.DateTimeField(_("holding reply at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("final response at"), null=True, blank=True)
    summary_resolution = models.BooleanField(_("summary resolution"), default=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"], name="complaint_received_idx")]
        verbose_name = _("formal complaint")
        verbose_name_plural = _("formal complaints")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.preset} ({self.status})"


class ComplaintDeadline(models.Model):
    """One statutory deadline of a complaint (the periodic update: one per cycle). Open while
    next_check_at is set; the complaint sweep records its breach once, at due_at, by a
    conditional update."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        FINAL_RESPONSE = "final_response", _("Final response")
        EXTENDED_FINAL_RESPONSE = "extended_final_response", _("Final response (extended)")
        UPDATE = "update", _("Progress update")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)

    class Meta:
        ordering = ["complaint_id", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "kind", "cycle"], name="complaint_deadline_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="complaint_deadline_due_idx",
            ),
        ]
        verbose_name = _("complaint deadline")
        verbose_name_plural = _("complaint deadlines")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} #{self.cycle} {self.due_at:%Y-%m-%d}"


class ComplaintLetter(models.Model):
    """A letter sent about a complaint: a public message on the ticket (its text, kept in the
    record and the export) and an e-mail, in the complaint's language."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        HOLDING_REPLY = "holding_reply", _("Holding reply")
        UPDATE = "update", _("Progress update")
        FINAL_RESPONSE = "final_response", _("Final response")
        SUMMARY_RESOLUTION = "summary_resolution", _("Summary resolution communication")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    language = models.CharField(_("language"), max_length=8)
    sent_at = models.DateTimeField(_("sent at"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("complaint letter")
        verbose_name_plural = _("complaint letters")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"
