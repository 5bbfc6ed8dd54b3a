"""Writing the demo: `seed_demo()` builds the plan of the day (demo.plan) and writes it in one transaction,
only through the write service of each entity (units_upsert, procedures_upsert, offerings_write,
targets_upsert / targets_delete, reporting_mode_set, filings_upsert / field_filings_upsert /
filings_delete, the transitions of filings.workflow, user_upsert; directing's activities_upsert,
directive_save, task_save, assignments_add and report_submit, inspection_save, findings_save, recommend
and report_save, indicator_save and indicator_values_upsert), so the demo gets the same rules, history
rows and KPI totals as any other write.

It is an upsert: running it again changes nothing, and rows of the demo units that are no longer planned
are removed (directing's rows are only added or updated, never removed). Statuses change only through
the transitions, so a run a month later moves the demo on (last month's drafts and waiting months
approved, the new month's work planned) with every change in the history.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_upsert
from core.periods import Month
from directing.models import Inspection, TaskAssignment
from directing.services.activities import activities_upsert
from directing.services.directives import assignments_add, directive_save, report_submit, task_save
from directing.services.indicators import indicator_save, indicator_values_upsert
from directing.services.inspections import findings_save, inspection_save, recommend, report_save
from filings import workflow
from filings.models import FIGURE_FIELDS, FieldFiling, MonthlyFiling, ReportingMode, UnitMonth, UnitMonthStatus
from filings.services import Source, field_filings_upsert, filings_delete, filings_upsert, reporting_mode_set
from procedures.models import Offering, Procedure
from procedures.services import offerings_write, procedures_upsert
from reports.models import Target
from reports.services import targets_delete, targets_upsert
from units.models import Unit
from units.services import units_upsert

from . import directive_plan, inspection_plan
from .activity_plan import ActivitySpec, activity_plan
from .indicator_plan import INDICATORS, IndicatorSpec, IndicatorValueSpec, indicator_plan
from .plan import build_plan
from .specs import (
    FieldFilingSpec,
    FilingSpec,
    OfferingSpec,
    ProcedureSpec,
    ReportingModeSpec,
    TargetSpec,
    UnitMonthSpec,
    UnitSpec,
)

# Why seed_demo reopens a month that a demo user approved, to put it back as the demo has it.
RESET_REASON = "Khôi phục dữ liệu minh họa (seed_demo)."


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    unit_codes: tuple[str, ...] = ()


# For demonstrations only: `seed_demo` prints them, and says so.
DEMO_LOGINS = (
    DemoLogin("admin", "admin", Role.ADMIN),
    DemoLogin("lanhdao22", "demo12345", Role.LEADER, ("22",)),
    DemoLogin("lanhdao195", "demo12345", Role.LEADER, ("195",)),
    DemoLogin("lanhdao502", "demo12345", Role.LEADER, ("502",)),
    DemoLogin("canbo.camson", "demo12345", Role.CLERK, ("06766",)),
    DemoLogin("canbo.campha", "demo12345", Role.CLERK, ("22.CAMPHA",)),
)


@dataclass(frozen=True)
class Changes:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __str__(self):
        return f"{self.created} new, {self.updated} changed, {self.deleted} removed"


@dataclass(frozen=True)
class SeedSummary:
    units: int
    procedures: int
    offerings: int
    filings: int  # figures per procedure
    field_filings: int  # figures per field
    field_units: int  # units reporting per field in some month
    targets: int
    first_month: Month | None
    last_month: Month | None
    changes: dict[str, Changes]
    logins: tuple[DemoLogin, ...]
    statuses: dict[str, int]  # the demo units' unit-months by status (every status, in workflow order)
    status_changes: int  # unit-months whose status this run changed
    open_month: Month | None


def _write_units(specs: list[UnitSpec]) -> dict[str, Unit]:
    units_upsert(
        [
            {
                "code": spec.code,
                "name": spec.name,
                "kind": spec.kind,
                "parent_code": spec.parent,
                "valid_from": spec.valid_from,
                "valid_to": spec.valid_to,
                "successor_codes": spec.successors,
            }
            for spec in specs
        ],
        reason=Source.DEMO,
    )
    return Unit.objects.in_bulk([spec.code for spec in specs], field_name="code")


def _write_procedures(specs: list[ProcedureSpec]) -> tuple[dict[str, int], dict[str, int]]:
    """Write the catalogue; returns the procedures' ids by code and the ids of their fields by the names the
    specs give them (procedures_upsert adds a field not in the catalogue yet, and finds one by its name)."""
    procedures_upsert(
        [{"code": p.code, "name": p.name, "field": p.field, "level": p.level} for p in specs], reason=Source.DEMO
    )
    stored = Procedure.objects.filter(code__in=[p.code for p in specs]).values_list("code", "pk", "field_id")
    procedure_ids, field_of = {}, {}
    for code, pk, field_id in stored:
        procedure_ids[code], field_of[code] = pk, field_id
    return procedure_ids, {p.field: field_of[p.code] for p in specs}


def _sync_reporting_modes(specs: list[ReportingModeSpec], unit_ids: dict) -> Changes:
    """Set the planned reporting modes that are not stored as planned (reporting_mode_set writes a history
    row even for an unchanged mode). A demo unit's mode that the plan no longer holds stays: filings.services
    has no write path that removes one, and stored figures decide for their months anyway."""
    stored = {
        (mode.unit_id, mode.year, mode.month): mode.grain
        for mode in ReportingMode.objects.filter(unit__in=list(unit_ids.values()))
    }
    units = Unit.objects.in_bulk([unit_ids[spec.unit] for spec in specs])
    written = []
    for spec in specs:
        unit_id = unit_ids[spec.unit]
        key = (unit_id, spec.month.year, spec.month.month)
        if stored.get(key) != spec.grain:
            reporting_mode_set(units[unit_id], spec.month.year, spec.month.month, spec.grain)
            written.append(key)
    created = sum(key not in stored for key in written)
    return Changes(created, len(written) - created)


def _sync_offerings(specs: list[OfferingSpec], unit_ids: dict, procedure_ids: dict) -> Changes:
    """Make the demo units' offerings those planned: new ones created, levels and departments changed,
    others removed."""
    stored = {
        (o.unit_id, o.procedure_id, o.valid_from): o for o in Offering.objects.filter(unit__in=list(unit_ids.values()))
    }
    wanted = {
        (unit_ids[o.unit], procedure_ids[o.procedure], o.valid_from): (
            o.service_level,
            unit_ids[o.department] if o.department else None,
        )
        for o in specs
    }
    stale = [offering for key, offering in stored.items() if key not in wanted]
    changed = []
    for key, (level, department) in wanted.items():
        offering = stored.get(key)
        if offering is not None and (offering.service_level, offering.department_id) != (level, department):
            offering.service_level, offering.department_id = level, department
            changed.append(offering)
    new = [
        Offering(
            unit_id=unit_id, procedure_id=procedure_id, valid_from=valid_from, service_level=level, department_id=dept
        )
        for (unit_id, procedure_id, valid_from), (level, dept) in wanted.items()
        if (unit_id, procedure_id, valid_from) not in stored
    ]
    offerings_write(create=new, update=changed, delete=stale, reason=Source.DEMO)
    return Changes(len(new), len(changed), len(stale))


def _sync_targets(specs: list[TargetSpec], unit_ids: dict) -> Changes:
    """Make the demo units' targets those planned; what the plan no longer holds is removed."""
    wanted = {(unit_ids[t.unit], t.year, t.kpi): t.target for t in specs}
    stale = [
        target
        for target in Target.objects.filter(unit__in=list(unit_ids.values()))
        if (target.unit_id, target.year, target.kpi) not in wanted
    ]
    targets_delete(stale, reason=Source.DEMO)
    result = targets_upsert(
        [
            {"unit_id": unit_id, "year": year, "kpi": kpi, "target": target}
            for (unit_id, year, kpi), target in wanted.items()
        ],
        reason=Source.DEMO,
    )
    return Changes(result.created, result.updated, len(stale))


def _stale(model, item: str, planned: set, unit_ids: dict) -> list:
    """The stored figures of the demo units (per procedure or per field: `item` is the key's column) that
    the plan does not hold."""
    return [
        figures
        for figures in model.objects.filter(unit_id__in=list(unit_ids.values())).order_by()
        if (figures.unit_id, getattr(figures, item), figures.year, figures.month) not in planned
    ]


def _write_filings(
    specs: list[FilingSpec], field_specs: list[FieldFilingSpec], unit_ids: dict, procedure_ids: dict, field_ids: dict
) -> tuple[Changes, Changes]:
    """Make the demo units' figures per procedure and per field those planned; returns the changes of each.
    What the plan no longer holds goes first, so that a unit-month that changes from one kind to the other
    (the write services refuse a unit-month holding both) is rewritten in the same run."""
    rows = [
        {"unit_id": unit_ids[f.unit], "procedure_id": procedure_ids[f.procedure], "year": f.year, "month": f.month}
        | f.counts
        for f in specs
    ]
    field_rows = [
        {"unit_id": unit_ids[f.unit], "field_id": field_ids[f.field], "year": f.year, "month": f.month} | f.counts
        for f in field_specs
    ]
    stale = _stale(
        MonthlyFiling,
        "procedure_id",
        {(r["unit_id"], r["procedure_id"], r["year"], r["month"]) for r in rows},
        unit_ids,
    )
    stale_fields = _stale(
        FieldFiling, "field_id", {(r["unit_id"], r["field_id"], r["year"], r["month"]) for r in field_rows}, unit_ids
    )
    filings_delete(stale + stale_fields, source=Source.DEMO, force=True)
    # Approved months refuse writes unless forced (by the system: user None): a re-run, or a run after a
    # demo user changed figures, puts the planned ones back.
    # Every figure, the Decision 766 counts included: a row without them (before 2025) has them not reported.
    options = {"fields": FIGURE_FIELDS, "source": Source.DEMO, "note": "seed_demo", "force": True}
    result = filings_upsert(rows, **options)
    field_result = field_filings_upsert(field_rows, **options)
    return (
        Changes(result.created, result.updated, len(stale)),
        Changes(field_result.created, field_result.updated, len(stale_fields)),
    )


def _write_logins() -> None:
    for login in DEMO_LOGINS:
        user_upsert(
            username=login.username,
            role=login.role,
            unit_codes=login.unit_codes,
            password=login.password,
            email=f"{login.username}@demo.invalid",  # a reserved domain: the reminders of the demo go nowhere
        )


def _deciding_leader(unit: Unit):
    """The demo leader closest to `unit` whose scope holds it, or None (the system) without the logins."""
    usernames = [login.username for login in DEMO_LOGINS if login.role == Role.LEADER]
    scopes = {
        leader: Unit.objects.for_user(leader)
        for leader in User.objects.filter(username__in=usernames, role=Role.LEADER, is_active=True)
    }
    in_scope = [leader for leader, scope in scopes.items() if scope.filter(pk=unit.pk).exists()]
    return min(in_scope, key=lambda leader: (scopes[leader].count(), leader.username), default=None)


def _sync_statuses(specs: list[UnitMonthSpec], units: dict[str, Unit]) -> int:
    """Bring the demo's unit-months to their planned statuses through the transitions of filings.workflow
    (each change with its history row); returns how many changed. The approvals go in one bulk transition,
    submitted by and approved by the system, on the planned dates for a month never submitted before. The
    few submitted and returned months go through the single transitions (submitted by the system, with
    their data-quality warnings confirmed; returned by the demo leader closest to the unit); a month that
    a demo user approved meanwhile is reopened first. A draft stays what it is: nothing leads back to one."""
    Status = UnitMonthStatus
    unit_ids = {code: unit.pk for code, unit in units.items()}
    planned = {(unit_ids[spec.unit], spec.month.year, spec.month.month): spec for spec in specs}
    states = {um.key: um for um in UnitMonth.objects.filter(unit_id__in=list(unit_ids.values())).order_by()}

    approve, dates = [], {}
    for key, spec in planned.items():
        state = states.get(key)
        if spec.status == Status.APPROVED and (state is None or state.status != Status.APPROVED):
            approve.append(key)
            if state is None or state.first_submitted_at is None:
                dates[key] = (spec.submitted_at, spec.decided_at)
    workflow.unit_months_approve_bulk(approve, user=None, source=Source.DEMO, dates=dates)

    changed = len(approve)
    for key, spec in sorted(planned.items()):
        current = states[key].status if key in states else None
        if spec.status not in (Status.SUBMITTED, Status.RETURNED) or current == spec.status:
            continue
        where = {"unit": units[spec.unit], "year": spec.month.year, "month": spec.month.month}
        where["source"] = Source.DEMO
        if current == Status.APPROVED:
            workflow.unit_month_reopen(**where, user=None, reason=RESET_REASON)
            current = Status.RETURNED
        if current != Status.SUBMITTED:
            workflow.unit_month_submit(**where, user=None, confirm_warnings=True)
        if spec.status == Status.RETURNED:
            workflow.unit_month_return(**where, user=_deciding_leader(units[spec.unit]), reason=spec.reason)
        changed += 1
    return changed


def _write_activities(specs: list[ActivitySpec], unit_ids: dict, today: datetime.date) -> Changes:
    """The demo's outreach activities (demo.activity_plan), through
    directing.services.activities.activities_upsert (keyed by unit, day and kind: rerunning changes nothing)."""
    rows = [
        {
            "unit_id": unit_ids[spec.unit],
            "date": spec.date,
            "kind": spec.kind,
            "participants": spec.participants,
            "note": spec.note,
        }
        for spec in specs
        if spec.date <= today
    ]
    result = activities_upsert(rows, today=today)
    return Changes(created=result.created, updated=result.updated)


def _write_directive(units: dict[str, Unit], today: datetime.date) -> Changes:
    """The demo's directive (demo.directive_plan), its tasks assigned to every ward and commune of the
    city, and the wards' reports (week by week for the broadcasting), through directing.services.directives.
    Idempotent: a report already made is left alone. Nothing before the day of issue."""
    plan = directive_plan
    if today < plan.ISSUED:
        return Changes()
    directive = directive_save(number=plan.NUMBER, issued=plan.ISSUED, issuer=units[plan.ISSUER], title=plan.TITLE)
    created = 0
    done = plan.reports()
    for spec in plan.TASKS:
        task = task_save(
            directive,
            title=spec.title,
            deadline=plan.DEADLINE,
            recurrence=spec.recurrence,
            times_per_week=spec.times_per_week,
        )
        created += assignments_add(task, all_communes_under=units[plan.ISSUER])
        for assignment in TaskAssignment.objects.filter(task=task).select_related("unit", "task__directive"):
            reported = set(assignment.reports.filter(returned_at__isnull=True).values_list("done_on", flat=True))
            for done_on, times in done.get((spec.title, assignment.unit.code), []):
                if done_on > today or done_on in reported or (times is None and reported):
                    continue
                report_submit(assignment, user=None, done_on=done_on, times=times, note="Đã thực hiện.", today=today)
                created += 1
    return Changes(created=created)


def _write_inspection(units: dict[str, Unit], today: datetime.date) -> Changes:
    """The demo's inspection (demo.inspection_plan): the plan with its topics and visited units, the findings
    of each visit, the recommendations of the conclusion assigned to the units that fell short and their
    reports, and the inspection's report, through directing.services.inspections (and report_submit).
    Idempotent: the same plan and findings change nothing, a recommendation already assigned or reported
    and a report already recorded are left alone. Nothing before the day each was made."""
    plan = inspection_plan
    if today < plan.PLANNED:
        return Changes()
    created = 0 if Inspection.objects.filter(number=plan.NUMBER).exists() else 1
    inspection = inspection_save(
        number=plan.NUMBER,
        title=plan.TITLE,
        inspector=units[plan.INSPECTOR],
        start=plan.START,
        end=plan.END,
        team=plan.TEAM,
        report_due=plan.REPORT_DUE,
        topics=plan.TOPICS,
        visits=[(units[code], day) for code, day in plan.VISITS],
    )
    topics = {topic.title: topic for topic in inspection.topics.all()}
    visits = {visit.unit.code: visit for visit in inspection.visits.select_related("unit", "inspection")}
    for code, day in plan.VISITS:
        if day <= today:
            rows = [
                {"topic": topics[topic], "result": result, "note": note} for topic, result, note in plan.findings(code)
            ]
            created += findings_save(visits[code], rows, today=today)
    if today >= plan.REPORTED_ON and inspection.reported_on is None:
        report_save(inspection, text=plan.REPORT, reported_on=plan.REPORTED_ON, today=today)
        created += 1
    if today < plan.RECOMMENDED_ON:
        return Changes(created=created)
    assigned = TaskAssignment.objects.filter(task__directive__inspection=inspection)
    before = assigned.count()
    for spec in plan.RECOMMENDATIONS:
        codes = plan.recommended_units(spec)
        task = recommend(
            inspection,
            title=spec.title,
            deadline=spec.deadline,
            units=[units[code] for code in codes],
            issued=plan.RECOMMENDED_ON,
            today=today,
        )
        for assignment in TaskAssignment.objects.filter(task=task).select_related("unit", "task__directive"):
            if assignment.reports.exists():
                continue
            done_on = plan.DONE.get((spec.title, assignment.unit.code))
            if done_on is not None and done_on <= today:
                report_submit(assignment, user=None, done_on=done_on, note="Đã khắc phục.", today=today)
                created += 1
    return Changes(created=created + assigned.count() - before)


def _write_indicators(
    indicators: tuple[IndicatorSpec, ...], specs: list[IndicatorValueSpec], unit_ids: dict, today: datetime.date
) -> Changes:
    """The demo's periodic indicators and Tam Kỳ's values (demo.indicator_plan), through
    directing.services.indicators (indicator_save by code, indicator_values_upsert keyed by indicator,
    unit and period: rerunning changes nothing). Nothing for a period not begun."""
    saved = {
        spec.code: indicator_save(
            code=spec.code,
            name=spec.name,
            measure=spec.measure,
            periodicity=spec.periodicity,
            denominator=spec.denominator,
            description=spec.description,
            position=spec.position,
        )
        for spec in indicators
    }
    rows = [
        {
            "indicator_id": saved[spec.indicator].pk,
            "unit_id": unit_ids[spec.unit],
            "period_start": spec.period_start,
            "value": spec.value,
            "denominator": spec.denominator,
            "note": spec.note,
        }
        for spec in specs
        if spec.period_start <= today
    ]
    result = indicator_values_upsert(rows, today=today)
    return Changes(created=result.created, updated=result.updated)


def _status_counts(unit_ids) -> dict[str, int]:
    rows = UnitMonth.objects.filter(unit_id__in=list(unit_ids)).order_by().values_list("status")
    counts = dict(rows.annotate(Count("id")))
    Status = UnitMonthStatus
    order = (Status.APPROVED, Status.SUBMITTED, Status.RETURNED, Status.DRAFT)
    return {str(status): counts.get(status, 0) for status in order}


def seed_demo(*, today: datetime.date | None = None, with_users: bool = True) -> SeedSummary:
    """Load the demo as it stands on `today` (default: today): units, procedures (and their fields),
    offerings, targets, reporting modes, monthly figures per procedure and, for the few units that report
    per field (demo.reporting_plan), per field, the demo logins and the unit-months' statuses, and
    directing's outreach activities, directive and inspection (demo.activity_plan, demo.directive_plan,
    demo.inspection_plan) and periodic indicators (demo.indicator_plan).

    Idempotent: units and procedures are matched by code, offerings, figures and targets of the demo units
    by their keys; what the plan no longer holds is removed from the demo units; reporting modes and
    statuses already as planned are left alone. One transaction."""
    today = today or timezone.localdate()
    plan = build_plan(today)
    with transaction.atomic():
        units = _write_units(plan.units)
        unit_ids = {code: unit.pk for code, unit in units.items()}
        procedure_ids, field_ids = _write_procedures(plan.procedures)
        offering_changes = _sync_offerings(plan.offerings, unit_ids, procedure_ids)
        target_changes = _sync_targets(plan.targets, unit_ids)
        mode_changes = _sync_reporting_modes(plan.reporting_modes, unit_ids)
        filing_changes, field_filing_changes = _write_filings(
            plan.filings, plan.field_filings, unit_ids, procedure_ids, field_ids
        )
        # The logins before the statuses: the demo leader returns the returned month.
        if with_users:
            _write_logins()
        status_changes = _sync_statuses(plan.unit_months, units)
        statuses = _status_counts(unit_ids.values())
        activity_changes = _write_activities(activity_plan(), unit_ids, today)
        directive_changes = _write_directive(units, today)
        inspection_changes = _write_inspection(units, today)
        indicator_changes = _write_indicators(INDICATORS, indicator_plan(), unit_ids, today)

    months = sorted({Month(f.year, f.month) for f in [*plan.filings, *plan.field_filings]})
    return SeedSummary(
        units=len(plan.units),
        procedures=len(plan.procedures),
        offerings=len(plan.offerings),
        filings=len(plan.filings),
        field_filings=len(plan.field_filings),
        field_units=len({f.unit for f in plan.field_filings}),
        targets=len(plan.targets),
        first_month=months[0] if months else None,
        last_month=months[-1] if months else None,
        changes={
            "offerings": offering_changes,
            "filings": filing_changes,
            "field filings": field_filing_changes,
            "targets": target_changes,
            "reporting modes": mode_changes,
            "outreach activities": activity_changes,
            "directive assignments and reports": directive_changes,
            "inspection": inspection_changes,
            "periodic indicator values": indicator_changes,
        },
        logins=DEMO_LOGINS if with_users else (),
        statuses=statuses,
        status_changes=status_changes,
        open_month=plan.open_month,
    )
