"""Formal complaints: the register and report (leads and admins), a complaint's deadlines and
letters (staff who see the ticket), and the letters agents send."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_staff_member
from support_desk.serializers import StrictSerializer
from tickets.exceptions import TicketForbidden
from tickets.selectors import tickets_visible_to

from ..complaints import reports
from ..complaints import services as complaints
from ..models import Complaint, ComplaintDeadline, ComplaintLetter, ComplaintPreset
from .renderers import ReportCsvRenderer
from .views import E400, E401, E403, E404, REPORT_FORMAT, REPORT_RESPONSES, IsLeadOrAdmin, csv_attachment, report_period


class DeadlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintDeadline
        fields = ["kind", "cycle", "due_at", "met_at", "breached_at", "stopped_at"]


class LetterSerializer(serializers.ModelSerializer):
    message_id = serializers.IntegerField(read_only=True)
    body = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintLetter
        fields = ["id", "kind", "language", "sent_at", "message_id", "details", "body"]

    def get_body(self, letter: ComplaintLetter) -> str:
        return letter.message.body if letter.message_id and letter.message else ""


class ComplaintSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    category = serializers.CharField(source="ticket.category.code")
    channel = serializers.CharField(source="ticket.channel")
    deadlines = DeadlineSerializer(many=True, read_only=True)
    decision_due_at = serializers.SerializerMethodField()
    breaches = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "subject",
            "category",
            "channel",
            "preset",
            "language",
            "status",
            "received_at",
            "acknowledged_at",
            "holding_reply_at",
            "resolved_at",
            "summary_resolution",
            "outcome",
            "decision_due_at",
            "breaches",
            "deadlines",
        ]

    def _deadlines(self, complaint: Complaint) -> list[ComplaintDeadline]:
        return list(complaint.deadlines.all())  # prefetched

    def get_decision_due_at(self, complaint: Complaint) -> datetime | None:
        decisions = [d for d in self._deadlines(complaint) if d.kind in complaints.DECISION_KINDS and not d.stopped_at]
        latest = max(
            decisions, key=lambda d: (d.kind == ComplaintDeadline.Kind.EXTENDED_FINAL_RESPONSE, d.cycle), default=None
        )
        return latest.due_at if latest else None

    def get_breaches(self, complaint: Complaint) -> list[str]:
        return sorted({d.kind for d in self._deadlines(complaint) if d.breached_at is not None})


class ComplaintDetailSerializer(ComplaintSerializer):
    letters = serializers.SerializerMethodField()
    summary_resolution_until = serializers.SerializerMethodField(
        help_text="DISP: until when a summary resolution communication may replace the final response "
        "(the close of the third business day after receipt); null when the preset has none or the "
        "complaint is no longer open."
    )

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "letters", "summary_resolution_until"]

    def get_letters(self, complaint: Complaint) -> list[dict]:
        return LetterSerializer(complaint.letters.select_related("message"), many=True).data

    def get_summary_resolution_until(self, complaint: Complaint) -> datetime | None:
        if complaint.status != Complaint.Status.OPEN:
            return None
        return complaints.summary_resolution_until(complaint)


class RegisterQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)
    preset = serializers.ChoiceField(choices=ComplaintPreset.choices, required=False)
    outcome = serializers.ChoiceField(choices=Complaint.Outcome.choices, required=False)
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)


class RegisterPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ComplaintRegisterView(APIView):
    """The complaints register (leads and admins): every formal complaint with its receipt, its
    deadlines, status, outcome and breaches; newest first, paginated."""

    permission_classes = [IsLeadOrAdmin]

    @extend_schema(
        parameters=[RegisterQuerySerializer],
        responses={200: ComplaintSerializer(many=True), 400: E400, 401: E401, 403: E403},
    )
    def get(self, request):
        query = RegisterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rows = reports.complaint_register(since=data.get("since"), until=data.get("until"))
        for name in ("status", "preset", "outcome"):
            if data.get(name):
                rows = rows.filter(**{name: data[name]})
        if data.get("breached") is not None:
            breached = ComplaintDeadline.objects.filter(breached_at__isnull=False).values("complaint_id")
            rows = rows.filter(pk__in=breached) if data["breached"] else rows.exclude(pk__in=breached)
        paginator = RegisterPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ComplaintSerializer(page, many=True).data)


class ComplaintsReportQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class ComplaintsReportView(APIView):
    """What a regulator asks for: complaints by topic (category) and channel per quarter, the
    average time of each step from receipt, breaches per deadline kind, outcomes. Defaults to the
    last 365 days. `?format=csv` gives the same numbers as CSV."""

    permission_classes = [IsLeadOrAdmin]
    renderer_classes = [JSONRenderer, ReportCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO 8601 start (default: 365 days before `until`)"),
            OpenApiParameter("until", str, description="ISO 8601 end (default: now)"),
            REPORT_FORMAT,
        ],
        responses=REPORT_RESPONSES,
    )
    def get(self, request):
        query = ComplaintsReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, until = report_period(query.validated_data, default_days=365)
        report = reports.complaints_report(since=since, until=until)
        if request.accepted_renderer.format != "csv":
            return Response(report)
        rows = reports.complaints_report_rows(report)
        return csv_attachment(rows, f"complaints-report-{since:%Y%m%d}-{until:%Y%m%d}.csv")


class LetterRequestSerializer(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=[
            ComplaintLetter.Kind.HOLDING_REPLY,
            ComplaintLetter.Kind.UPDATE,
            ComplaintLetter.Kind.FINAL_RESPONSE,
            ComplaintLetter.Kind.SUMMARY_RESOLUTION,
        ]
    )
    reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    remedies = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    outcome = serializers.ChoiceField(choices=Complaint.Outcome.choices, required=False)
    new_date = serializers.DateTimeField(required=False)
    progress = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    eta = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict) -> dict:
        kind = attrs["kind"]
        if kind == ComplaintLetter.Kind.HOLDING_REPLY and "new_date" not in attrs:
            raise serializers.ValidationError({"new_date": _("A holding reply gives a new date.")})
        decisions = (ComplaintLetter.Kind.FINAL_RESPONSE, ComplaintLetter.Kind.SUMMARY_RESOLUTION)
        if kind in decisions and "outcome" not in attrs:
            raise serializers.ValidationError({"outcome": _("Choose the outcome.")})
        return attrs


def _staff_ticket(request, reference: str):
    if not is_staff_member(request.user):
        # Customers read their letters on the ticket; the complaint's workings are the desk's.
        raise TicketForbidden(_("Only support staff can do this."))
    return get_object_or_404(tickets_visible_to(request.user), reference=reference)


class ComplaintDetailView(APIView):
    """A complaint's deadlines and letters (staff who see the ticket; 404 to everyone else)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ComplaintDetailSerializer, 401: E401, 404: E404})
    def get(self, request, reference: str):
        if not is_staff_member(request.user):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        ticket = _staff_ticket(request, reference)
        complaint = get_object_or_404(
            Complaint.objects.select_related("ticket__category", "policy__calendar").prefetch_related("deadlines"),
            ticket=ticket,
        )
        return Response(ComplaintDetailSerializer(complaint).data)


class ComplaintLetterView(APIView):
    """An agent's letter: a holding reply (reasons, new date), a progress update (with its ETA),
    the final response (outcome, reasons, remedies) or DISP's summary resolution communication."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=LetterRequestSerializer,
        responses={
            201: LetterSerializer,
            400: E400,
            401: E401,
            403: E403,
            404: E404,
            409: OpenApiResponse(description="Not a formal complaint, or a letter its state does not allow."),
        },
    )
    def post(self, request, reference: str):
        ticket = _staff_ticket(request, reference)
        body = LetterRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        now = timezone.now()
        kind = data["kind"]
        if kind == ComplaintLetter.Kind.HOLDING_REPLY:
            letter = complaints.complaint_holding_reply(
                ticket=ticket, author=request.user, reasons=data["reasons"], new_date=data["new_date"], now=now
            )
        elif kind == ComplaintLetter.Kind.UPDATE:
            letter = complaints.complaint_progress_update(
                ticket=ticket, author=request.user, progress=data["progress"], eta=data["eta"], now=now
            )
        else:
            letter = complaints.complaint_final_response(
                ticket=ticket,
                author=request.user,
                outcome=data["outcome"],
                reasons=data["reasons"],
                remedies=data["remedies"],
                summary=kind == ComplaintLetter.Kind.SUMMARY_RESOLUTION,
                now=now,
            )
        return Response(LetterSerializer(letter).data, status=status.HTTP_201_CREATED)
