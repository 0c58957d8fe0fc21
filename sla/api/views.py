from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import sees_every_team
from tickets.models import Priority, Ticket

from .. import config, reports
from ..models import BusinessCalendar, EscalationRule, SlaPolicy
from .renderers import ReportCsvRenderer
from .serializers import CalendarSerializer, EscalationRuleSerializer, PolicySerializer, ReportQuerySerializer

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors.")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Only leads and admins configure SLAs.")
E404 = OpenApiResponse(description="No such object.")
E409 = OpenApiResponse(description="Still in use (e.g. a calendar that policies use).")


def report_period(data: dict, *, default_days: int) -> tuple[datetime, datetime]:
    """A report's [since, until): until defaults to now, since to `default_days` before until; a
    period the calendar cannot hold (since before year 1) is a 400 on `until`, never an overflow."""
    until = data.get("until") or timezone.now()
    since = data.get("since")
    if since is None:
        try:
            since = until - timedelta(days=default_days)
        except OverflowError:
            raise ValidationError({"until": [_("Give a later end, or a start too.")]}) from None
    return since, until


# A report view's `?format=` and responses: the report as JSON, or the same numbers as CSV.
REPORT_FORMAT = OpenApiParameter("format", str, enum=["json", "csv"])
REPORT_RESPONSES = {
    (200, "application/json"): OpenApiResponse(response=OpenApiTypes.OBJECT, description="The report."),
    (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="The report as CSV."),
    400: E400,
    401: E401,
    403: E403,
    404: OpenApiResponse(description="A `format` other than json or csv."),
}


def csv_attachment(rows: list, name: str) -> Response:
    """A report's CSV rows (rendered by ReportCsvRenderer) as a download named `name`."""
    return Response(rows, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class IsLeadOrAdmin(BasePermission):
    message = "Only team leads and admins can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and sees_every_team(request.user))


def _crud_schema(serializer):
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), 401: E401, 403: E403}),
        retrieve=extend_schema(responses={200: serializer, 401: E401, 403: E403, 404: E404}),
        create=extend_schema(responses={201: serializer, 400: E400, 401: E401, 403: E403}),
        update=extend_schema(responses={200: serializer, 400: E400, 401: E401, 403: E403, 404: E404}),
        partial_update=extend_schema(responses={200: serializer, 400: E400, 401: E401, 403: E403, 404: E404}),
        destroy=extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404, 409: E409}),
    )


class ConfigViewSet(viewsets.ModelViewSet):
    """CRUD whose writes go through the sla.config services (validated, logged, recomputed)."""

    permission_classes = [IsLeadOrAdmin]
    nested: tuple[str, ...] = ()

    def _save(self, serializer, instance):
        raise NotImplementedError

    def _write(self, request, instance, *, partial: bool, code: int) -> Response:
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self._save(serializer.validated_data, instance)
        return Response(self.get_serializer(self.get_queryset().get(pk=saved.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        return self._write(request, None, partial=False, code=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        return self._write(request, self.get_object(), partial=partial, code=status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        config.config_delete(actor=request.user, instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _split(self, data: dict) -> tuple[dict, dict]:
        data = dict(data)
        nested = {name: data.pop(name, None) for name in self.nested}
        return data, nested


@_crud_schema(CalendarSerializer)
class CalendarViewSet(ConfigViewSet):
    serializer_class = CalendarSerializer
    nested = ("intervals", "holidays")

    def get_queryset(self):
        return BusinessCalendar.objects.prefetch_related("intervals", "holidays").order_by("name")

    def _save(self, data, instance):
        fields, nested = self._split(data)
        return config.calendar_save(actor=self.request.user, instance=instance, fields=fields, **nested)


@_crud_schema(PolicySerializer)
class PolicyViewSet(ConfigViewSet):
    serializer_class = PolicySerializer
    nested = ("categories", "targets")

    def get_queryset(self):
        return SlaPolicy.objects.prefetch_related("categories", "targets").order_by("position", "id")

    def _save(self, data, instance):
        fields, nested = self._split(data)
        return config.policy_save(actor=self.request.user, instance=instance, fields=fields, **nested)


@_crud_schema(EscalationRuleSerializer)
class EscalationRuleViewSet(ConfigViewSet):
    serializer_class = EscalationRuleSerializer
    nested = ("steps",)

    def get_queryset(self):
        return EscalationRule.objects.prefetch_related(
            "steps", "steps__notify_users", "steps__move_to_team", "steps__webhook_endpoint"
        ).order_by("policy_id", "metric")

    def _save(self, data, instance):
        fields, nested = self._split(data)
        return config.rule_save(actor=self.request.user, instance=instance, fields=fields, **nested)


class SlaReportView(APIView):
    """SLA compliance for a period: per metric, first response and resolution percentiles,
    breaches by team and category, open tickets per day, satisfaction; narrowed to a team,
    category, priority, channel or agent, and broken down by one of those (`group_by`).
    Defaults to the last 30 days. `?format=csv` gives the same numbers as CSV."""

    permission_classes = [IsLeadOrAdmin]
    renderer_classes = [JSONRenderer, ReportCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO 8601 start (default: 30 days before `until`)"),
            OpenApiParameter("until", str, description="ISO 8601 end (default: now)"),
            OpenApiParameter("team", str, description="only this team (code)"),
            OpenApiParameter("category", str, description="only this category (code)"),
            OpenApiParameter("priority", str, enum=Priority.values),
            OpenApiParameter("channel", str, enum=Ticket.Channel.values),
            OpenApiParameter("agent", str, description="only this agent's tickets (username)"),
            OpenApiParameter("group_by", str, enum=list(reports.DIMENSIONS), description="a breakdown in `groups`"),
            REPORT_FORMAT,
            OpenApiParameter("table", str, enum=["groups", "backlog"], description="CSV only"),
        ],
        responses=REPORT_RESPONSES,
    )
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = report_period(query.validated_data, default_days=30)
        group_by = query.validated_data.get("group_by")
        report = reports.sla_report(since=since, until=until, scope=query.scope(), group_by=group_by)
        if request.accepted_renderer.format != "csv":
            return Response(report)
        table = query.validated_data.get("table", "groups")
        rows = reports.backlog_rows(report) if table == "backlog" else reports.figure_rows(report)
        return csv_attachment(rows, f"sla-report-{since:%Y%m%d}-{until:%Y%m%d}-{table}.csv")
