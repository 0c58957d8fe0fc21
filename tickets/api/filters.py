import re
from datetime import timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from ..models import Category, Priority, Team, Ticket
from ..selectors import OPEN_STATUSES


class QueueFilter(django_filters.FilterSet):
    # distinct=False: these filters join nothing, and DISTINCT would sort whole rows.
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, distinct=False, help_text="Repeat for several. Default: every open status."
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    team = django_filters.ModelChoiceFilter(
        field_name="team", to_field_name="code", queryset=Team.objects.all(), help_text="Team code."
    )
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="code", queryset=Category.objects.all(), help_text="Category code."
    )
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="`me`, `none`, or a user id.")
    breached = django_filters.BooleanFilter(field_name="sla_breached", help_text="Tickets with a breached SLA.")
    due_within = django_filters.CharFilter(
        method="filter_due_within",
        help_text="Running SLA clock due within this time: minutes (`30`) or with a unit (`45m`, `2h`, `1d`). "
        "Overdue tickets are included.",
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "team", "category", "assignee", "breached", "due_within"]

    def filter_due_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        match = re.fullmatch(r"\s*(\d{1,6})\s*([mhd]?)\s*", value or "")
        if not match:
            raise ValidationError({"due_within": [_("Use minutes, or a number with m, h or d (e.g. 2h).")]})
        amount, unit = int(match.group(1)), match.group(2) or "m"
        window = timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
        return queryset.filter(sla_due_at__lte=timezone.now() + window)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        return super().filter_queryset(queryset)

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        raise ValidationError({"assignee": [_("Use `me`, `none` or a user id.")]})
