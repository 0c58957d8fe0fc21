"""The statutory complaint deadlines as presets, and their arithmetic (pure: no database).

Sources (shared/DOMAIN.md, "Complaint-handling rules"):
- EU MiCA art. 71 + Delegated Regulation (EU) 2025/294: acknowledge promptly ("without delay",
  no fixed number of days: one business day here, configurable), a reasoned decision within two
  months of receipt, else a holding reply with the reasons and a new date.
- UK FCA DISP 1: prompt acknowledgement, a final response within eight weeks; payment and
  e-money services within 15 business days, 35 in exceptional cases (after a holding reply); a
  complaint settled by the close of the third business day after receipt may get a summary
  resolution communication; the final response points to the Financial Ombudsman Service.
- NYDFS guidance of 30 May 2024: a reference number and the expected process in every
  response, regular updates with an estimated resolution time (every five business days here).

A deadline is an amount in one of four units, counted from when the complaint was received:
working minutes (the policy's calendar), business days (its working days less its holidays; the
day of receipt does not count, the deadline is the end of the last day in the calendar's time
zone), calendar weeks, or calendar months (the same day that many months later, or the month's
last day when it has no such day).
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from ..models import ComplaintDeadline, ComplaintPreset
from ..working_time import HORIZON, NoWorkingTime, Schedule, add_working_time

Kind = ComplaintDeadline.Kind

WORKING_MINUTES = "working_minutes"
BUSINESS_DAYS = "business_days"
CALENDAR_WEEKS = "calendar_weeks"
CALENDAR_MONTHS = "calendar_months"
UNITS = (WORKING_MINUTES, BUSINESS_DAYS, CALENDAR_WEEKS, CALENDAR_MONTHS)


@dataclass(frozen=True)
class Span:
    amount: int
    unit: str

    def as_dict(self) -> dict:
        return {"amount": self.amount, "unit": self.unit}


@dataclass(frozen=True)
class Preset:
    code: str
    acknowledgement: Span
    final_response: Span | None
    # The longest a holding reply may push the final response to (DISP payments: 35 business
    # days); None: the new date is the agent's, with no statutory ceiling.
    extended_final_response: Span | None = None
    update: Span | None = None  # regular progress updates (NYDFS)
    summary_window: Span | None = None  # DISP: a summary resolution when settled within it
    ombudsman: bool = False  # the final response points to the Financial Ombudsman Service

    def spans(self) -> dict[str, Span | None]:
        return {
            Kind.ACKNOWLEDGEMENT: self.acknowledgement,
            Kind.FINAL_RESPONSE: self.final_response,
            Kind.EXTENDED_FINAL_RESPONSE: self.extended_final_response,
            Kind.UPDATE: self.update,
        }


PRESETS: dict[str, Preset] = {
    ComplaintPreset.EU_MICA: Preset(
        code=ComplaintPreset.EU_MICA,
        acknowledgement=Span(1, BUSINESS_DAYS),
        final_response=Span(2, CALENDAR_MONTHS),
    ),
    ComplaintPreset.UK_DISP: Preset(
        code=ComplaintPreset.UK_DISP,
        acknowledgement=Span(1, BUSINESS_DAYS),
        final_response=Span(8, CALENDAR_WEEKS),
        summary_window=Span(3, BUSINESS_DAYS),
        ombudsman=True,
    ),
    ComplaintPreset.UK_DISP_PAYMENTS: Preset(
        code=ComplaintPreset.UK_DISP_PAYMENTS,
        acknowledgement=Span(1, BUSINESS_DAYS),
        final_response=Span(15, BUSINESS_DAYS),
        extended_final_response=Span(35, BUSINESS_DAYS),
        summary_window=Span(3, BUSINESS_DAYS),
        ombudsman=True,
    ),
    ComplaintPreset.NYDFS: Preset(
        code=ComplaintPreset.NYDFS,
        acknowledgement=Span(1, BUSINESS_DAYS),
        final_response=None,
        update=Span(5, BUSINESS_DAYS),
    ),
}
# The preset of a complaint no complaint policy matches.
DEFAULT_PRESET = ComplaintPreset.EU_MICA
OVERRIDABLE = (Kind.ACKNOWLEDGEMENT, Kind.FINAL_RESPONSE, Kind.EXTENDED_FINAL_RESPONSE, Kind.UPDATE)


def deadline_override_errors(overrides: object) -> str:
    """What is wrong with a policy's overrides ({kind: {amount, unit}}), '' when nothing."""
    if not overrides:
        return ""
    if not isinstance(overrides, dict) or set(overrides) - set(OVERRIDABLE):
        return _("Keys must be deadline kinds: %(kinds)s.") % {"kinds": ", ".join(OVERRIDABLE)}
    for value in overrides.values():
        if value is None:
            continue
        if not isinstance(value, dict) or value.get("unit") not in UNITS:
            return _("Each deadline needs a unit: %(units)s.") % {"units": ", ".join(UNITS)}
        amount = value.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 525_600:
            return _("Each deadline needs a positive whole amount.")
    return ""


def effective_spans(preset_code: str, overrides: dict | None = None) -> dict[str, Span | None]:
    """The preset's deadlines with the policy's overrides (None in an override removes one)."""
    preset = PRESETS.get(preset_code) or PRESETS[DEFAULT_PRESET]
    spans = preset.spans()
    for kind, value in (overrides or {}).items():
        spans[kind] = None if value is None else Span(int(value["amount"]), value["unit"])
    return spans


def add_months(moment: datetime, months: int) -> datetime:
    """The same local day and time `months` later, clamped to the month's last day (31 Jan + 1
    month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def is_business_day(schedule: Schedule, day: date) -> bool:
    if day in schedule.holidays:
        return False
    return schedule.is_24x7 or bool(schedule.weekly.get(day.weekday()))


def business_day_end(schedule: Schedule, start: datetime, days: int) -> datetime:
    """The end (midnight, in the calendar's time zone) of the `days`-th business day after the
    day of `start`."""
    zone = ZoneInfo(schedule.time_zone)
    day = start.astimezone(zone).date()
    limit = day + HORIZON
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day > limit:
            raise NoWorkingTime("The calendar has no business day within the horizon.")
        if is_business_day(schedule, day):
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def deadline_after(schedule: Schedule, start: datetime, span: Span) -> datetime:
    """When a deadline of `span` counted from `start` falls due."""
    if span.unit == WORKING_MINUTES:
        return add_working_time(schedule, start, timedelta(minutes=span.amount))
    if span.unit == BUSINESS_DAYS:
        return business_day_end(schedule, start, span.amount)
    zone = ZoneInfo(schedule.time_zone)
    local = start.astimezone(zone)
    if span.unit == CALENDAR_WEEKS:
        # Wall-clock arithmetic in the calendar's zone: eight weeks later at the same local hour.
        due = (local.replace(tzinfo=None) + timedelta(weeks=span.amount)).replace(tzinfo=zone)
    elif span.unit == CALENDAR_MONTHS:
        due = add_months(local.replace(tzinfo=None), span.amount).replace(tzinfo=zone)
    else:
        raise ValueError(f"Unknown deadline unit {span.unit!r}")
    return due.astimezone(UTC)


def within_summary_window(preset_code: str, schedule: Schedule, received_at: datetime, now: datetime) -> bool:
    """DISP: settled by the close of the third business day after the day of receipt."""
    window = (PRESETS.get(preset_code) or PRESETS[DEFAULT_PRESET]).summary_window
    return window is not None and now <= deadline_after(schedule, received_at, window)
