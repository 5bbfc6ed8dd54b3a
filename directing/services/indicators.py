"""The one write path of periodic indicators: `indicator_save` (an admin's definition, the demo) and
`indicator_values_upsert` (the values: the entry form, the import, the admin, the demo)."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RowsRefused
from units.models import Unit

from ..models import Indicator, IndicatorValue
from ..rules.indicators import indicator_problems, indicator_value_problems
from ..versions import units_written

FIELDS = ("value", "denominator", "note")
BATCH = 1000


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def indicator_save(
    *,
    code: str,
    name: str,
    measure: str,
    periodicity: str,
    denominator: str = "",
    description: str = "",
    position: int = 0,
    active: bool = True,
) -> Indicator:
    """Create or update an indicator by its code. Refuses (RowsRefused, one row, naming the field) a code
    that is not a slug, an empty name or unit of measure, an unknown periodicity, and, once values are
    stored, another periodicity or gaining or losing the denominator (directing.rules.indicators)."""
    data = {
        "code": (code or "").strip(),
        "name": (name or "").strip(),
        "measure": (measure or "").strip(),
        "periodicity": periodicity,
        "denominator": (denominator or "").strip(),
    }
    with transaction.atomic():
        stored = Indicator.objects.select_for_update().filter(code=data["code"]).first()
        has_values = stored is not None and stored.values.exists()
        if problems := indicator_problems(data, stored=stored, has_values=has_values):
            raise RowsRefused({0: problems})
        indicator, _created = Indicator.objects.update_or_create(
            code=data["code"],
            defaults={
                **data,
                "description": (description or "").strip(),
                "position": position,
                "active": active,
            },
        )
    return indicator


def indicator_values_upsert(rows, *, user=None, today: datetime.date | None = None) -> UpsertResult:
    """Create or update indicator values by their key (indicator_id, unit_id, period_start). Each row is a
    dict with those keys, `value`, `denominator` (None: none) and `note`. All or nothing: raises
    RowsRefused, writing nothing, by the rows' positions with the field each problem is about
    (directing.rules.indicators.indicator_value_problems: the period, the value, the denominator, the
    unit, an inactive indicator's new value; also a unit outside `user`'s scope, and a key given twice).
    `user` None is the demo or the command line; the value rows then record no user."""
    rows = list(rows)
    today = today or timezone.localdate()
    indicators = Indicator.objects.in_bulk({row.get("indicator_id") for row in rows})
    unit_ids = {row.get("unit_id") for row in rows}
    units = Unit.objects.in_bulk(unit_ids)
    in_scope = (
        set(Unit.objects.for_user(user).filter(pk__in=units).values_list("pk", flat=True))
        if user is not None
        else set(units)
    )

    def key(row):
        return (row.get("indicator_id"), row.get("unit_id"), row.get("period_start"))

    result = UpsertResult()
    with transaction.atomic():
        stored = {
            (v.indicator_id, v.unit_id, v.period_start): v
            for v in IndicatorValue.objects.select_for_update().filter(
                indicator_id__in=indicators,
                unit_id__in=units,
                period_start__in={
                    row.get("period_start") for row in rows if isinstance(row.get("period_start"), datetime.date)
                },
            )
        }
        problems = {}
        seen = {}
        for position, row in enumerate(rows):
            unit = units.get(row.get("unit_id"))
            issues = indicator_value_problems(
                row, indicators.get(row.get("indicator_id")), unit, today, stored=key(row) in stored
            )
            if unit is not None and unit.pk not in in_scope:
                issues.append(("unit", _("%(unit)s is not in your scope") % {"unit": unit.code}))
            if not issues and key(row) in seen:
                issues.append(
                    ("period_start", _("same indicator, unit and period as #%(first)s") % {"first": seen[key(row)] + 1})
                )
            seen.setdefault(key(row), position)
            if issues:
                problems[position] = issues
        if problems:
            raise RowsRefused(problems)

        now = timezone.now()
        new, changed = [], []
        for row in rows:
            values = {
                "value": row["value"],
                "denominator": row.get("denominator"),
                "note": (row.get("note") or "").strip(),
            }
            found = stored.get(key(row))
            if found is None:
                new.append(
                    IndicatorValue(
                        indicator_id=row["indicator_id"],
                        unit_id=row["unit_id"],
                        period_start=row["period_start"],
                        updated_by=user,
                        **values,
                    )
                )
            elif any(getattr(found, field) != values[field] for field in FIELDS):
                for field, value in values.items():
                    setattr(found, field, value)
                found.updated_by, found.updated_at = user, now
                changed.append(found)
            else:
                result.unchanged += 1
        IndicatorValue.objects.bulk_create(new, batch_size=BATCH)
        IndicatorValue.objects.bulk_update(changed, [*FIELDS, "updated_by", "updated_at"], batch_size=BATCH)
        units_written(value.unit_id for value in new + changed)
    result.created, result.updated = len(new), len(changed)
    return result
