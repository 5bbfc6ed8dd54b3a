"""Writes of the reports app: the unit-month totals that the filing KPIs read."""

from itertools import islice

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from filings.models import MonthlyFiling
from procedures.models import Offering, ServiceLevel

from .models import UnitMonthTotal

_ONLINE = [level.value for level in ServiceLevel.online()]
_CHUNK = 1000


def _level_in_force():
    """The service level of a filing's (unit, procedure) in the filing's month: the latest offering that
    starts in or before that month (a start mid-month counts for the whole month)."""
    start_ym = Coalesce(
        ExtractYear("valid_from") * 100 + ExtractMonth("valid_from"), Value(0), output_field=IntegerField()
    )
    return Subquery(
        Offering.objects.annotate(start_ym=start_ym)
        .filter(
            unit_id=OuterRef("unit_id"),
            procedure_id=OuterRef("procedure_id"),
            start_ym__lte=OuterRef("year") * 100 + OuterRef("month"),
        )
        .order_by("-start_ym")
        .values("service_level")[:1]
    )


_NEW = F("received_online") + F("received_direct") + F("received_postal")
# The totals summed per unit-month and service level; the eligible ones add up the online levels' sums.
_SUMS = {
    "received_online": Sum("received_online"),
    "received_new": Sum(_NEW),
    "resolved_in_time": Sum(F("resolved_early") + F("resolved_on_time")),
    "resolved_all": Sum(F("resolved_early") + F("resolved_on_time") + F("resolved_late")),
    "returned_postal": Sum("returned_postal"),
    "received_postal": Sum("received_postal"),
}
_ELIGIBLE = {"eligible_online": "received_online", "eligible_new": "received_new"}
TOTAL_FIELDS = (*_SUMS, *_ELIGIBLE)


def _month_totals(rows):
    """UnitMonthTotal objects from rows of sums (named t_<total>) per (unit, year, month, level)."""
    totals = {}
    for row in rows:
        key = (row["unit_id"], row["year"], row["month"])
        total = totals.get(key)
        if total is None:
            total = totals[key] = UnitMonthTotal(unit_id=key[0], year=key[1], month=key[2])
        for name in _SUMS:
            setattr(total, name, getattr(total, name) + row[f"t_{name}"])
        if row["level"] in _ONLINE:
            for name, summed in _ELIGIBLE.items():
                setattr(total, name, getattr(total, name) + row[f"t_{summed}"])
    return list(totals.values())


def _batches(items, size=_CHUNK):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def totals_refresh(unit_ids, months=None):
    """Recompute the totals of the given units in the given (year, month) pairs (None: every month).
    Runs in the caller's transaction; cost grows with the filings of those unit-months."""
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return
    months_q = Q()
    for year, month in set(months or ()):
        months_q |= Q(year=year, month=month)
    if months is not None and not months_q:
        return
    with transaction.atomic():
        for batch in _batches(unit_ids):
            UnitMonthTotal.objects.filter(months_q, unit_id__in=batch).delete()
            # Grouped by the level too, so that the level's subquery runs once per filing.
            rows = (
                MonthlyFiling.objects.filter(months_q, unit_id__in=batch)
                .order_by()
                .annotate(level=_level_in_force())
                .values("unit_id", "year", "month", "level")
                # Prefixed: an annotation named like a field would shadow it in the other sums.
                .annotate(**{f"t_{name}": expression for name, expression in _SUMS.items()})
            )
            UnitMonthTotal.objects.bulk_create(_month_totals(rows), batch_size=1000)


def totals_refresh_after_offerings(pairs):
    """After offerings of (unit_id, valid_from) changed: recompute those units' totals from the month of
    valid_from on (None: all months), since the level in force decides which filings are eligible."""
    since = {}
    for unit_id, valid_from in pairs:
        key = (valid_from.year, valid_from.month) if valid_from else (0, 0)
        since[unit_id] = min(since.get(unit_id, key), key)
    by_start = {}
    for unit_id, start in since.items():
        by_start.setdefault(start, []).append(unit_id)
    for (year, month), unit_ids in by_start.items():
        months = (
            MonthlyFiling.objects.filter(unit_id__in=unit_ids)
            .filter(Q(year__gt=year) | Q(year=year, month__gte=month))
            .order_by()
            .values_list("year", "month")
            .distinct()
        )
        totals_refresh(unit_ids, list(months))


def totals_rebuild():
    """Recompute every total from the filings (after a restore, or to check the derived table)."""
    with transaction.atomic():
        UnitMonthTotal.objects.all().delete()
        unit_ids = MonthlyFiling.objects.order_by().values_list("unit_id", flat=True).distinct()
        totals_refresh(list(unit_ids))
