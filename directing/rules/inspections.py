"""The rules of an inspection, in one place: its plan (number, title, inspecting unit, dates, report due),
its checklist topics, the units it visits, the findings, the recommendations and the report. Asked by
`directing.services.inspections` for every writer (the pages, the admin's forms, the demo); each returns
[(field, reason)], empty when the value is acceptable. No query: the callers hand over the units."""

import datetime

from django.utils.translation import gettext as _

from ..models import FindingResult
from .validity import unit_inactive_on_reason


class ReportStatus:
    """Where an inspection's report stands (`report_status`)."""

    ON_TIME = "on_time"  # reported on or before the day it was due (or no day was set)
    LATE = "late"  # reported after it
    OVERDUE = "overdue"  # not reported, and the day has passed
    DUE = "due"  # not reported yet, the day not passed (or no day set)


def _day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def _is_day(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def plan_problems(*, number, title, inspector, start, end, report_due=None) -> list[tuple[str, str]]:
    """An inspection's plan: a number and a title, an inspecting unit that existed on the first day,
    two days in order, and a report due no earlier than the last day."""
    problems = []
    if not (number or "").strip():
        problems.append(("number", _("a number is required")))
    if not (title or "").strip():
        problems.append(("title", _("a title is required")))
    if not _is_day(start):
        problems.append(("start", _("a first day is required")))
        start = None
    if not _is_day(end):
        problems.append(("end", _("a last day is required")))
        end = None
    if start and end and end < start:
        problems.append(
            ("end", _("the last day %(end)s is before the first %(start)s") % {"end": _day(end), "start": _day(start)})
        )
    if inspector is None:
        problems.append(("inspector", _("an inspecting unit is required")))
    elif start and not inspector.is_valid_on(start):
        problems.append(("inspector", unit_inactive_on_reason(inspector, start)))
    if report_due is not None:
        if not _is_day(report_due):
            problems.append(("report_due", _("not a date")))
        elif end and report_due < end:
            problems.append(
                (
                    "report_due",
                    _("the report is due on %(due)s, before the last day of the inspection (%(end)s)")
                    % {"due": _day(report_due), "end": _day(end)},
                )
            )
    return problems


def topic_problems(title) -> list[tuple[str, str]]:
    """One line of the checklist: a title of at most 300 characters."""
    title = (title or "").strip()
    if not title:
        return [("title", _("a topic is required"))]
    if len(title) > 300:
        return [("title", _("a topic has at most 300 characters"))]
    return []


def visit_problems(*, inspector, start, end, unit, date=None) -> list[tuple[str, str]]:
    """A unit the inspection visits: a unit below the inspecting unit, that existed on the day of the
    visit (no day yet: on one of the inspection's days), and a day from the first to the last."""
    problems = []
    if date is not None and not _is_day(date):
        problems.append(("date", _("not a date")))
        date = None
    if date is not None and start and end and not start <= date <= end:
        problems.append(
            (
                "date",
                _("%(date)s is not from %(start)s to %(end)s, the days of the inspection")
                % {"date": _day(date), "start": _day(start), "end": _day(end)},
            )
        )
    if unit is None:
        problems.append(("unit", _("a unit is required")))
        return problems
    if inspector is not None and (unit.pk == inspector.pk or not unit.path.startswith(inspector.path)):
        problems.append(
            (
                "unit",
                _("%(unit)s is not below the inspecting unit %(inspector)s")
                % {"unit": unit.code, "inspector": inspector.code},
            )
        )
    if date is not None:
        if not unit.is_valid_on(date):
            problems.append(("unit", unit_inactive_on_reason(unit, date)))
    elif start and end and not unit.exists_between(start, end):
        problems.append(("unit", unit_inactive_on_reason(unit, start)))
    return problems


def finding_problems(result, note="") -> list[tuple[str, str]]:
    """A finding on one topic: a known result (empty: no finding, which a note cannot go without)."""
    if result in (None, ""):
        return [("result", _("choose a result for the note"))] if (note or "").strip() else []
    if result not in FindingResult.values:
        return [("result", _("%(result)r is not a known result") % {"result": result})]
    return []


def recommendation_problems(*, start, issued, deadline, today) -> list[tuple[str, str]]:
    """A recommendation made on `issued` (not before the inspection started nor in the future), with a
    deadline not before the day it is made."""
    problems = []
    if not _is_day(issued):
        return [("issued", _("a date is required"))]
    if issued > today:
        problems.append(("issued", _("%(date)s is in the future") % {"date": _day(issued)}))
    elif issued < start:
        problems.append(
            (
                "issued",
                _("%(date)s is before the inspection started (%(start)s)")
                % {"date": _day(issued), "start": _day(start)},
            )
        )
    if not _is_day(deadline):
        problems.append(("deadline", _("a deadline is required")))
    elif deadline < issued:
        problems.append(
            (
                "deadline",
                _("the deadline %(deadline)s is before the recommendation is made (%(issued)s)")
                % {"deadline": _day(deadline), "issued": _day(issued)},
            )
        )
    return problems


def report_problems(*, start, text, has_file, reported_on, today) -> list[tuple[str, str]]:
    """The report: a text or a file, on a day not before the inspection started nor in the future."""
    problems = []
    if not (text or "").strip() and not has_file:
        problems.append(("report", _("write the report or attach its file")))
    if not _is_day(reported_on):
        problems.append(("reported_on", _("a date is required")))
    elif reported_on > today:
        problems.append(("reported_on", _("%(date)s is in the future") % {"date": _day(reported_on)}))
    elif reported_on < start:
        problems.append(
            (
                "reported_on",
                _("%(date)s is before the inspection started (%(start)s)")
                % {"date": _day(reported_on), "start": _day(start)},
            )
        )
    return problems


def report_status(report_due: datetime.date | None, reported_on: datetime.date | None, today: datetime.date) -> str:
    """on_time (reported on or before the day due, or without one), late (after it), overdue (not
    reported and the day has passed, from the day after it) or due (not reported yet)."""
    if reported_on is not None:
        return ReportStatus.LATE if report_due is not None and reported_on > report_due else ReportStatus.ON_TIME
    return ReportStatus.OVERDUE if report_due is not None and today > report_due else ReportStatus.DUE
