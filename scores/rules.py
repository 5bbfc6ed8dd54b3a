"""The rules of a score version (Decision 766/QĐ-TTg), in one place: the admin's forms (ScoreIndicator.clean,
the version's inline formset) and the data migration that ships the first version both ask them.

An indicator scores one rate KPI of reports.kpis.KPIS against a threshold (a percentage above 0, at most
100) for a number of points (above 0); a KPI appears once per version, and a group has one label."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from reports.kpis import KPIS


def indicator_kpi_choices():
    """The KPIs an indicator may score: the rates of reports.kpis.KPIS (key, label)."""
    return [(kpi.key, kpi.label) for kpi in KPIS.values() if kpi.is_rate]


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def indicator_problems(kpi, threshold, points) -> list[tuple[str, str]]:
    """[(field, reason)] of one indicator: a known rate KPI, 0 < threshold <= 100, points > 0. Empty when
    it is right."""
    problems = []
    known = KPIS.get(kpi or "")
    if known is None:
        problems.append(("kpi", _("unknown KPI %(kpi)r") % {"kpi": kpi}))
    elif not known.is_rate:
        problems.append(("kpi", _("%(kpi)s is a count, not a rate: it cannot be scored") % {"kpi": kpi}))
    value = _decimal(threshold)
    if value is None or not Decimal(0) < value <= Decimal(100):
        problems.append(
            (
                "threshold",
                _("a threshold is a percentage above 0 and at most 100, not %(value)s") % {"value": threshold},
            )
        )
    value = _decimal(points)
    if value is None or value <= 0:
        problems.append(("points", _("an indicator's points are above 0, not %(value)s") % {"value": points}))
    return problems


def version_problems(indicators) -> list[tuple[int, str, str]]:
    """[(position, field, reason)] of a version's indicators taken together (each a dict or an object with
    `kpi`, `group` and `group_label`): each KPI once, one label per group. Empty when they are right."""
    problems = []
    kpis, labels = {}, {}
    for position, item in enumerate(indicators):
        get = item.get if isinstance(item, dict) else lambda name, item=item: getattr(item, name)
        kpi, group, label = get("kpi"), get("group"), get("group_label")
        if kpi in kpis:
            problems.append((position, "kpi", _("%(kpi)s is scored twice in this version") % {"kpi": kpi}))
        kpis.setdefault(kpi, position)
        if group in labels and labels[group] != label:
            problems.append(
                (
                    position,
                    "group_label",
                    _("the group %(group)s is labelled %(label)r above") % {"group": group, "label": labels[group]},
                )
            )
        labels.setdefault(group, label)
    return problems
