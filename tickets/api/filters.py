import re
from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from accounts.models import CustomerProfile, User

from ..models import Category, Priority, Team, Ticket
from ..selectors import OPEN_STATUSES

MAX_SEARCH_LENGTH = 200
MAX_REQUESTERS = 20  # an e-mail or UID belongs to one account; a bound all the same
MAX_ID_DIGITS = 18  # fits a bigint
MAX_IDENTIFIER_MATCHES = 1000  # a customer's tickets; more than any queue page shows


def _comma_values(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class CommaChoiceFilter(django_filters.Filter):
    """One value or several, comma-separated (`status=new,open`); the parameter may also repeat."""

    field_class = django_filters.fields.forms.CharField

    def __init__(self, *args, choices, **kwargs) -> None:
        self.allowed = {value for value, _label in choices}
        super().__init__(*args, **kwargs)

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        data = self.parent.data if self.parent is not None else {}
        repeated = data.getlist(self.field_name) if hasattr(data, "getlist") else [value]
        values = _comma_values(",".join(repeated or [value]))
        if not values:
            return queryset
        unknown = sorted(set(values) - self.allowed)
        if unknown:
            raise ValidationError({self.field_name: [_("Unknown value: %(values)s.") % {"values": ", ".join(unknown)}]})
        # Always IN (…): a subset of the open statuses still lets the partial queue indexes serve.
        return queryset.filter(**{f"{self.field_name}__in": values})


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the database's range (a 400 otherwise, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class QueueFilter(django_filters.FilterSet):
    # No DISTINCT anywhere: these filters join nothing, and DISTINCT would sort whole rows.
    status = CommaChoiceFilter(
        choices=Ticket.Status.choices,
        help_text="One or several, comma-separated (`new,open`). Default: every open status.",
    )
    priority = CommaChoiceFilter(choices=Priority.choices, help_text="One or several, comma-separated.")
    team = django_filters.CharFilter(method="filter_team", help_text="Team code; several comma-separated.")
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="code", queryset=Category.objects.all(), help_text="Category code."
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="`me`, `none` (unassigned), `anyone` (assigned), or a user id."
    )
    breached = django_filters.BooleanFilter(field_name="sla_breached", help_text="Tickets with a breached SLA.")
    due_within = django_filters.CharFilter(
        method="filter_due_within",
        help_text="Running SLA clock due within this time: minutes (`30`) or with a unit (`45m`, `2h`, `1d`). "
        "Overdue tickets are included.",
    )
    # The link is the incidents app's row (a reverse relation by name: tickets imports nothing of it).
    incident = IdFilter(field_name="incident_link__incident_id", help_text="Tickets linked to this incident (its id).")
    q = django_filters.CharFilter(
        method="filter_text",
        help_text="Exact reference, transaction hash, address or order id (any case), the customer's e-mail "
        "(any case) or exchange UID; when none matches, the subject contains the text.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "team", "category", "assignee", "breached", "due_within", "q", "incident"]

    def filter_due_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        match = re.fullmatch(r"\s*(\d{1,6})\s*([mhd]?)\s*", value or "")
        if not match:
            raise ValidationError({"due_within": [_("Use minutes, or a number with m, h or d (e.g. 2h).")]})
        amount, unit = int(match.group(1)), match.group(2) or "m"
        window = timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
        return queryset.filter(sla_due_at__lte=timezone.now() + window)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not _comma_values(self.form.cleaned_data.get("status") or ""):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        return super().filter_queryset(queryset)

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "anyone":
            return queryset.filter(assignee__isnull=False)
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
            return queryset.filter(assignee_id=int(value))
        raise ValidationError({"assignee": [_("Use `me`, `none`, `anyone` or a user id.")]})

    def filter_team(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        codes = _comma_values(value)
        if not codes:
            return queryset
        teams = dict(Team.objects.filter(code__in=codes).values_list("code", "pk"))
        unknown = sorted(set(codes) - set(teams))
        if unknown:
            raise ValidationError({"team": [_("Unknown team: %(codes)s.") % {"codes": ", ".join(unknown)}]})
        return queryset.filter(team_id__in=list(teams.values()))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = (value or "").strip()
        if not text:
            return queryset
        if len(text) > MAX_SEARCH_LENGTH:
            raise ValidationError({"q": [_("Search for at most %(count)d characters.") % {"count": MAX_SEARCH_LENGTH}]})
        requesters = requesters_matching(text)
        exact = queryset.alias(
            txid_upper=Upper("txid"), address_upper=Upper("address"), order_upper=Upper("order_id")
        ).filter(identifier_match(text))
        # Identifiers first, and as ids: with no ORDER BY the matches are a BitmapOr of the indexes.
        # (Left in the page query, the planner, which has no statistics for the partial UPPER()
        # indexes, expects many matches and walks the queue index in order instead: seconds.)
        ids = list(exact.order_by().values_list("pk", flat=True)[:MAX_IDENTIFIER_MATCHES])
        # The requester's tickets stay a condition of the page query, not a list of their ids: a
        # customer with hundreds of tickets is one range of ticket_requester_idx, sorted for the page.
        if ids and requesters:
            return queryset.filter(Q(pk__in=ids) | Q(requester_id__in=requesters))
        if requesters:
            return queryset.filter(requester_id__in=requesters)
        if ids:
            return queryset.filter(pk__in=ids)
        return queryset.filter(subject__icontains=text)


def requesters_matching(text: str) -> list[int]:
    """Accounts whose e-mail address is this text (any case) or whose exchange UID it is: a UNION
    of two index lookups (the UPPER(email) index of accounts/0003, the exchange_uid index; an OR
    across the join would scan every user)."""
    by_email = User.objects.alias(email_upper=Upper("email")).filter(email_upper=text.upper(), email__gt="")
    by_uid = CustomerProfile.objects.filter(exchange_uid=text)
    return list(by_email.values_list("pk", flat=True).union(by_uid.values_list("user_id", flat=True))[:MAX_REQUESTERS])


def identifier_match(text: str) -> Q:
    """Tickets whose reference, transaction hash, address or order id is this text (any case).
    Each branch is one index (the unique reference, the partial UPPER() indexes of tickets/0012),
    so PostgreSQL combines them with a BitmapOr."""
    upper = text.upper()
    # `<> ''` as in the partial indexes' conditions, so the planner may use them.
    return (
        Q(reference=upper)
        | (Q(txid_upper=upper) & ~Q(txid=""))
        | (Q(address_upper=upper) & ~Q(address=""))
        | (Q(order_upper=upper) & ~Q(order_id=""))
    )
