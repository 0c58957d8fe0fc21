import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from ..models import Category, Priority, Team, Ticket
from ..selectors import OPEN_STATUSES


class QueueFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, help_text="Repeat for several. Default: every open status."
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    team = django_filters.ModelChoiceFilter(
        field_name="team", to_field_name="code", queryset=Team.objects.all(), help_text="Team code."
    )
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="code", queryset=Category.objects.all(), help_text="Category code."
    )
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="`me`, `none`, or a user id.")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "team", "category", "assignee"]

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
        raise ValidationError({"assignee": ["Use `me`, `none` or a user id."]})
