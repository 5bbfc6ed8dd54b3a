"""The read path of inspections and what a user may see of them: the inspections a user may open (led by
a unit in their scope, or visiting one), the visits whose findings and recommendations they see (all of
them when their scope holds the inspecting unit; else only the visits of units in their scope), the
findings matrix (visits × topics) and the recommendations with each unit's status."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import F, Q

from units.models import Unit

from ..models import Finding, Inspection, InspectionTopic, InspectionVisit, Task
from ..rules.inspections import report_status
from .directives import AssignmentRow, assignment_rows, assignments_for_user


def inspections_for_user(user):
    """The inspections a user may open: led by a unit in their scope, or visiting one."""
    scope = Unit.objects.for_user(user)
    visiting = InspectionVisit.objects.filter(unit__in=scope).values("inspection_id")
    return Inspection.objects.filter(Q(inspector__in=scope) | Q(pk__in=visiting))


def visits_for_user(user):
    """The visits whose findings a user may see: every visit of an inspection led by a unit in their
    scope, and the visits of the units in their scope."""
    scope = Unit.objects.for_user(user)
    return InspectionVisit.objects.filter(Q(inspection__inspector__in=scope) | Q(unit__in=scope))


def sees_every_visit(user, inspection: Inspection) -> bool:
    """Whether a user sees the findings of every visit of `inspection` (their scope holds the inspecting
    unit), rather than only those of their own units."""
    return Unit.objects.for_user(user).filter(pk=inspection.inspector_id).exists()


def plan_visits(inspection: Inspection):
    """Every visit of `inspection`, by day (a visit without a day last) and unit: the plan, as every user who
    may open the inspection sees it."""
    return inspection.visits.select_related("unit").order_by(F("date").asc(nulls_last=True), "unit__code")


def visible_visits(user, inspection: Inspection):
    """The visits of `inspection` whose findings and recommendations `user` sees, by day and unit."""
    visits = plan_visits(inspection)
    if sees_every_visit(user, inspection):
        return visits
    return visits.filter(unit__in=Unit.objects.for_user(user))


@dataclass(frozen=True)
class FindingsRow:
    visit: InspectionVisit
    cells: list[Finding | None]  # one per topic of the matrix, in its order; None: nothing found yet

    @property
    def complete(self) -> bool:
        return all(cell is not None for cell in self.cells)


@dataclass(frozen=True)
class FindingsMatrix:
    topics: list[InspectionTopic]
    rows: list[FindingsRow]
    # {topic id: Counter({result: number of visits})}
    totals: dict[int, Counter] = field(default_factory=dict)

    def total_rows(self) -> list[tuple[InspectionTopic, Counter]]:
        return [(topic, self.totals.get(topic.pk, Counter())) for topic in self.topics]


def findings_matrix(inspection: Inspection, visits) -> FindingsMatrix:
    """The findings of `visits` (of `inspection`; a queryset or list) on each of its topics. Three queries."""
    topics = list(inspection.topics.all())
    visits = list(visits)
    found = {
        (finding.visit_id, finding.topic_id): finding
        for finding in Finding.objects.filter(visit__in=[visit.pk for visit in visits], topic__inspection=inspection)
    }
    rows = [FindingsRow(visit, [found.get((visit.pk, topic.pk)) for topic in topics]) for visit in visits]
    totals = {}
    for (_visit, topic_id), finding in found.items():
        totals.setdefault(topic_id, Counter())[finding.result] += 1
    return FindingsMatrix(topics, rows, totals)


def recommendations(user, inspection: Inspection, today: datetime.date) -> list[tuple[Task, list[AssignmentRow]]]:
    """The recommendations (tasks of the conclusion) with the status of each assigned unit in the user's
    scope (directing.selectors.directives.assignment_rows), by deadline; a recommendation none of whose
    units is in scope is left out."""
    if inspection.conclusion_id is None:
        return []
    rows = assignment_rows(assignments_for_user(user).filter(task__directive_id=inspection.conclusion_id), today)
    tasks = {}
    for row in rows:
        tasks.setdefault(row.task, []).append(row)
    return list(tasks.items())


def inspection_report_status(inspection: Inspection, today: datetime.date) -> str:
    """Where the report stands (directing.rules.inspections.report_status)."""
    return report_status(inspection.report_due, inspection.reported_on, today)
