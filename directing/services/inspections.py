"""The write path of inspections, for every writer (the pages, the admin, the demo): inspection_save (the
plan, with its checklist topics and visited units), topics_set, visits_set, findings_save, recommend
(a task of the inspection's conclusion, assigned to visited units), report_save; and who may write them
(may_enter_findings, may_manage). Each refuses, writing nothing, with RowsRefused naming the field
(directing.rules.inspections)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RowsRefused
from units.models import Unit

from ..documents import document_problem
from ..models import Directive, Finding, Inspection, InspectionTopic, InspectionVisit, Task
from ..rules.inspections import (
    finding_problems,
    plan_problems,
    recommendation_problems,
    report_problems,
    topic_problems,
    visit_problems,
)
from .directives import assignments_add, directive_save, task_save

# The conclusion (kết luận kiểm tra) that holds an inspection's recommendations: a directive of the
# inspecting unit numbered after the inspection, created with the first recommendation. Data, not UI.
CONCLUSION_NUMBER = "{number}/KL"
CONCLUSION_TITLE = "Kết luận kiểm tra: {title}"
TITLE_LENGTH = 500  # Task.title, Directive.title


def _refuse(field, reason):
    raise RowsRefused({0: [(field, str(reason))]})


# --- who may write ------------------------------------------------------------------------------------


def _holds(user, unit_id) -> bool:
    return Unit.objects.for_user(user).filter(pk=unit_id).exists()


def may_enter_findings(user, inspection: Inspection) -> bool:
    """The inspecting unit's people (any role whose scope holds the inspecting unit) enter the findings;
    the visited units do not."""
    return _holds(user, inspection.inspector_id)


def may_manage(user, inspection: Inspection) -> bool:
    """A leader (User.can_decide) whose scope holds the inspecting unit makes recommendations and
    records the report."""
    return user.can_decide and _holds(user, inspection.inspector_id)


# --- the plan: inspection, topics, visits -------------------------------------------------------------


def topics_refusals(titles, inspection: Inspection | None = None) -> dict[int, list[tuple[str, str]]]:
    """The problems of a checklist (titles in order; by position), without writing: empty or duplicate
    titles and, for a stored inspection, the removal of a topic that has findings (position 0, field
    `topics`). For topics_set and the admin's inline."""
    problems, seen = {}, {}
    for position, title in enumerate(titles):
        issues = topic_problems(title)
        key = (title or "").strip().casefold()
        if not issues and key in seen:
            issues = [("title", _("the same topic as #%(first)s") % {"first": seen[key] + 1})]
        seen.setdefault(key, position)
        if issues:
            problems[position] = issues
    if problems or inspection is None or inspection.pk is None:
        return problems
    kept = {(title or "").strip() for title in titles}
    for topic in inspection.topics.filter(findings__isnull=False).distinct():
        if topic.title not in kept:
            reason = _("the topic %(topic)r has findings: it cannot be removed") % {"topic": topic.title}
            problems.setdefault(0, []).append(("topics", reason))
    return problems


def visits_refusals(
    visits, *, inspector: Unit, start, end, inspection: Inspection | None = None
) -> dict[int, list[tuple[str, str]]]:
    """The problems of the visited units ([(unit, day or None)]; by position), without writing: a unit
    not below the inspecting unit, not existing on its day, a day outside the inspection's, a unit twice,
    and, for a stored inspection, the removal of a visit that has findings (position 0, field `visits`).
    For visits_set, inspection_save and the admin's inline."""
    problems, seen = {}, {}
    for position, (unit, date) in enumerate(visits):
        issues = visit_problems(inspector=inspector, start=start, end=end, unit=unit, date=date)
        if unit is not None and not issues and unit.pk in seen:
            issues = [
                ("unit", _("%(unit)s is visited twice (#%(first)s)") % {"unit": unit.code, "first": seen[unit.pk] + 1})
            ]
        if unit is not None:
            seen.setdefault(unit.pk, position)
        if issues:
            problems[position] = issues
    if problems or inspection is None or inspection.pk is None:
        return problems
    for visit in inspection.visits.filter(findings__isnull=False).exclude(unit_id__in=list(seen)).distinct():
        reason = _("the visit of %(unit)s has findings: it cannot be removed") % {"unit": visit.unit.code}
        problems.setdefault(0, []).append(("visits", reason))
    return problems


def _write_topics(inspection: Inspection, titles) -> int:
    titles = [title.strip() for title in titles]
    stored = {topic.title: topic for topic in inspection.topics.all()}
    changed = 0
    for position, title in enumerate(titles):
        topic = stored.get(title)
        if topic is None:
            InspectionTopic.objects.create(inspection=inspection, title=title, position=position)
            changed += 1
        elif topic.position != position:
            topic.position = position
            topic.save(update_fields=["position"])
            changed += 1
    removed = [topic.pk for title, topic in stored.items() if title not in titles]
    InspectionTopic.objects.filter(pk__in=removed).delete()
    return changed + len(removed)


def _write_visits(inspection: Inspection, visits) -> int:
    stored = {visit.unit_id: visit for visit in inspection.visits.all()}
    changed = 0
    for unit, date in visits:
        visit = stored.get(unit.pk)
        if visit is None:
            InspectionVisit.objects.create(inspection=inspection, unit=unit, date=date)
            changed += 1
        elif visit.date != date:
            visit.date = date
            visit.save(update_fields=["date"])
            changed += 1
    listed = {unit.pk for unit, _date in visits}
    removed = [visit.pk for unit_id, visit in stored.items() if unit_id not in listed]
    InspectionVisit.objects.filter(pk__in=removed).delete()
    return changed + len(removed)


def inspection_save(
    *,
    number: str,
    title: str,
    inspector: Unit,
    start: datetime.date,
    end: datetime.date,
    team: str = "",
    report_due: datetime.date | None = None,
    topics=None,
    visits=None,
) -> Inspection:
    """Create or update an inspection's plan by its number, and with `topics` (titles, in order) and
    `visits` ([(unit, day or None)]) set its checklist and visited units as given (topics_set,
    visits_set), in one transaction. Refuses (RowsRefused) an empty number or title, days out of order,
    an inspecting unit that did not exist on the first day, a report due before the last day (position
    0, the field named); then the topics' and the visits' problems (by position); without `visits`, stored
    visits the new plan would leave outside its days or its inspecting unit (field `visits`)."""
    number, title = (number or "").strip(), (title or "").strip()
    if problems := plan_problems(
        number=number, title=title, inspector=inspector, start=start, end=end, report_due=report_due
    ):
        raise RowsRefused({0: problems})
    stored = Inspection.objects.filter(number=number).first()
    if topics is not None:
        topics = list(topics)
        if problems := topics_refusals(topics, stored):
            raise RowsRefused(problems)
    plan = {"inspector": inspector, "start": start, "end": end}
    if visits is not None:
        visits = list(visits)
        if problems := visits_refusals(visits, inspection=stored, **plan):
            raise RowsRefused(problems)
    elif stored is not None:
        kept = [(visit.unit, visit.date) for visit in stored.visits.select_related("unit")]
        if problems := visits_refusals(kept, **plan):
            raise RowsRefused(
                {
                    0: [
                        ("visits", f"{kept[position][0].code}: {reason}")
                        for position, issues in sorted(problems.items())
                        for _field, reason in issues
                    ]
                }
            )
    with transaction.atomic():
        inspection, _created = Inspection.objects.update_or_create(
            number=number,
            defaults={
                "title": title,
                "inspector": inspector,
                "start": start,
                "end": end,
                "team": (team or "").strip(),
                "report_due": report_due,
            },
        )
        if topics is not None:
            _write_topics(inspection, topics)
        if visits is not None:
            _write_visits(inspection, visits)
    return inspection


def topics_set(inspection: Inspection, titles) -> int:
    """Set the checklist of `inspection` to `titles`, in order: new titles are added, the others keep
    their findings and take their new position, and topics not listed are removed (refused when they
    have findings). Refuses (by position, field `title`) an empty or repeated title. Returns how many
    topics were added, moved or removed."""
    titles = list(titles)
    if problems := topics_refusals(titles, inspection):
        raise RowsRefused(problems)
    with transaction.atomic():
        return _write_topics(inspection, titles)


def visits_set(inspection: Inspection, visits) -> int:
    """Set the units `inspection` visits ([(unit, day or None)]): new ones added, days changed, those not
    listed removed (refused when they have findings). Refuses (by position, field `unit` or `date`) a
    unit not below the inspecting unit or not existing on its day (no day: during the inspection), a day
    outside the inspection's, a unit twice. Returns how many visits were added, changed or removed."""
    visits = list(visits)
    if problems := visits_refusals(
        visits, inspector=inspection.inspector, start=inspection.start, end=inspection.end, inspection=inspection
    ):
        raise RowsRefused(problems)
    with transaction.atomic():
        return _write_visits(inspection, visits)


# --- findings ------------------------------------------------------------------------------------------


def findings_save(visit: InspectionVisit, rows, *, user=None, today: datetime.date | None = None) -> int:
    """Save what the team found at one visit, all or nothing: `rows` are dicts with `topic` (a topic of the
    visit's inspection, or its id), `result` (a FindingResult; empty: no finding, which removes a stored
    one) and `note`. Topics not in `rows` are left as they are. `user` None is the demo or the admin; the
    pages pass the signed-in user, who must be allowed (may_enter_findings). Refuses (RowsRefused) a user
    not allowed or a visit after `today` (position 0, field `visit`); by position in `rows`, a topic of
    another inspection or given twice (`topic`), an unknown result or a note without one (`result`).
    Returns how many findings were added, changed or removed."""
    today = today or timezone.localdate()
    inspection = visit.inspection
    if user is not None and not may_enter_findings(user, inspection):
        _refuse("visit", _("only the inspecting unit enters the findings"))
    day = visit.date or inspection.start
    if day > today:
        _refuse("visit", _("the visit is on %(date)s: nothing can be found before") % {"date": f"{day:%d/%m/%Y}"})
    rows = list(rows)
    topics = set(inspection.topics.values_list("pk", flat=True))
    problems, seen, cleaned = {}, {}, []
    for position, row in enumerate(rows):
        topic = row.get("topic")
        topic_id = getattr(topic, "pk", topic)
        result, note = (row.get("result") or "").strip(), (row.get("note") or "").strip()
        issues = []
        if topic_id not in topics:
            issues.append(("topic", _("not a topic of this inspection")))
        elif topic_id in seen:
            issues.append(("topic", _("the same topic as #%(first)s") % {"first": seen[topic_id] + 1}))
        else:
            seen[topic_id] = position
        issues += finding_problems(result, note)
        if issues:
            problems[position] = issues
        cleaned.append((topic_id, result, note))
    if problems:
        raise RowsRefused(problems)
    changed = 0
    with transaction.atomic():
        stored = {finding.topic_id: finding for finding in visit.findings.select_for_update()}
        for topic_id, result, note in cleaned:
            finding = stored.get(topic_id)
            if not result:
                if finding is not None:
                    finding.delete()
                    changed += 1
            elif finding is None:
                Finding.objects.create(visit=visit, topic_id=topic_id, result=result, note=note)
                changed += 1
            elif (finding.result, finding.note) != (result, note):
                finding.result, finding.note = result, note
                finding.save(update_fields=["result", "note"])
                changed += 1
    return changed


# --- recommendations and the report --------------------------------------------------------------------


def recommend(
    inspection: Inspection,
    *,
    title: str,
    deadline: datetime.date,
    units,
    issued: datetime.date | None = None,
    user=None,
    today: datetime.date | None = None,
) -> Task:
    """A recommendation of the inspection's conclusion, made on `issued` (default today): a task with a
    deadline of the conclusion directive (created with the first recommendation: number
    `<inspection number>/KL`, issued by the inspecting unit on that day), assigned to visited `units`,
    so that its follow-up is tracked like any task. A title already recommended is updated (deadline) and
    assigned to the units not yet assigned. `user` None is the demo; the pages pass the signed-in user,
    who must be allowed (may_manage). Refuses (RowsRefused) a user not allowed (`inspection`), an empty or
    too long title (`title`), a day in the future or before the inspection started (`issued`), a deadline
    before the day it is made (`deadline`), no unit or a unit the inspection did not visit (`units`, by
    position), a unit not existing on the conclusion's day of issue (`units`)."""
    today = today or timezone.localdate()
    issued = issued or today
    if user is not None and not may_manage(user, inspection):
        _refuse("inspection", _("only a leader of the inspecting unit makes recommendations"))
    title = (title or "").strip()
    if not title:
        _refuse("title", _("a title is required"))
    if len(title) > TITLE_LENGTH:
        _refuse("title", _("a title has at most %(length)s characters") % {"length": TITLE_LENGTH})
    if problems := recommendation_problems(start=inspection.start, issued=issued, deadline=deadline, today=today):
        raise RowsRefused({0: problems})
    units = list(units)
    if not units:
        _refuse("units", _("choose at least one visited unit"))
    visited = set(inspection.visits.values_list("unit_id", flat=True))
    if problems := {
        position: [("units", _("%(unit)s was not visited by this inspection") % {"unit": unit.code})]
        for position, unit in enumerate(units)
        if unit.pk not in visited
    }:
        raise RowsRefused(problems)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        directive = locked.conclusion
        if directive is None:
            number = CONCLUSION_NUMBER.format(number=inspection.number)
            if Directive.objects.filter(number=number).exists():
                _refuse("inspection", _("a directive numbered %(number)s exists already") % {"number": number})
            directive = directive_save(
                number=number,
                issued=issued,
                issuer=locked.inspector,
                title=CONCLUSION_TITLE.format(title=locked.title)[:TITLE_LENGTH],
            )
            locked.conclusion = directive
            locked.save(update_fields=["conclusion"])
        task = task_save(directive, title=title, deadline=deadline)
        try:
            assignments_add(task, units)
        except RowsRefused as refused:
            raise RowsRefused(
                {
                    position: [("units", reason) for _field, reason in issues]
                    for position, issues in refused.problems.items()
                }
            ) from None
    inspection.conclusion = directive
    return task


def report_save(
    inspection: Inspection,
    *,
    text: str,
    reported_on: datetime.date,
    file=None,
    user=None,
    today: datetime.date | None = None,
) -> Inspection:
    """Record the inspection's report: its text, its file (optional; None keeps the stored one) and the
    day it was made, late when after the day it was due (directing.rules.inspections.report_status).
    Recording it again replaces it. `user` None is the demo or the admin; the pages pass the signed-in
    user, who must be allowed (may_manage). Refuses (RowsRefused, position 0) a user not allowed
    (`inspection`), neither a text nor a file (`report`), a day in the future or before the inspection
    started (`reported_on`), a file that is not a document or too large (`report_file`,
    directing.documents)."""
    today = today or timezone.localdate()
    if user is not None and not may_manage(user, inspection):
        _refuse("inspection", _("only a leader of the inspecting unit records the report"))
    text = (text or "").strip()
    if problems := report_problems(
        start=inspection.start,
        text=text,
        has_file=bool(file) or bool(inspection.report_file),
        reported_on=reported_on,
        today=today,
    ):
        raise RowsRefused({0: problems})
    if problem := document_problem(file):
        _refuse("report_file", problem)
    inspection.report, inspection.reported_on = text, reported_on
    fields = ["report", "reported_on"]
    if file:
        inspection.report_file = file
        fields.append("report_file")
    inspection.save(update_fields=fields)
    return inspection
