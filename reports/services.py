"""Writes of the reports app: targets (`targets_upsert`, `targets_delete`); the unit-month totals that
the filing KPIs read and the offering totals that the procedure rates read, kept by the receivers of
filings' and procedures' signals (reports/apps.py); and the versions that the results reused between
requests are keyed by (reports.reuse), raised in the same transactions."""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched

from django.db import connections, router, transaction
from django.db.models import F, OuterRef, Q, Sum
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import RowsRefused
from core.periods import FIRST_YEAR, LAST_YEAR
from filings.models import FieldFiling, MonthlyFiling
from procedures.models import Offering, ServiceLevel, month_index, offering_rank
from units.models import Unit

from .kpis import KPIS
from .models import OfferingTotal, SharedVersion, Target, UnitMonthTotal, UnitVersion

_ONLINE = [level.value for level in ServiceLevel.online()]
_CHUNK = 1000


def _level_in_force():
    """The service level of a filing's (unit, procedure) in the filing's month (procedures' rule)."""
    return Offering.objects.level_in_force(
        OuterRef("unit_id"), OuterRef("procedure_id"), month_index(OuterRef("year"), OuterRef("month"))
    )


_NEW = F("received_online") + F("received_direct") + F("received_postal")
# The totals summed per unit-month and service level; the eligible ones add up the online levels' sums.
FIGURE_SUMS = {
    "received_online": Sum("received_online"),
    "received_new": Sum(_NEW),
    "resolved_in_time": Sum(F("resolved_early") + F("resolved_on_time")),
    "resolved_all": Sum(F("resolved_early") + F("resolved_on_time") + F("resolved_late")),
    "returned_postal": Sum("returned_postal"),
    "received_postal": Sum("received_postal"),
}
_ELIGIBLE = {"eligible_online": "received_online", "eligible_new": "received_new"}
TOTAL_FIELDS = (*FIGURE_SUMS, *_ELIGIBLE)

_RESOLVED = F("resolved_early") + F("resolved_on_time") + F("resolved_late")


def _known(*names):
    return Q(**{f"{name}__isnull": False for name in names})


# The Decision 766 KPIs' numerators and denominators (docs/kpis.md, "Decision 766"): each summed over the
# rows that report both counts of its KPI, so that a procedure (or field) without the optional count adds
# nothing to either side; NULL (no data) when no row of the unit-month reports it.
SCORE_SUMS = {
    "synced": Sum("synced"),
    "synced_base": Sum(_NEW, filter=_known("synced")),
    "paid_online": Sum("paid_online", filter=_known("paid_online", "fee_required")),
    "fee_required": Sum("fee_required", filter=_known("paid_online", "fee_required")),
    "digitised": Sum("digitised"),
    "digitised_base": Sum(_NEW, filter=_known("digitised")),
    "e_results": Sum("e_results"),
    "e_results_base": Sum(_RESOLVED, filter=_known("e_results")),
    "ratings_satisfied": Sum("ratings_satisfied", filter=_known("ratings_satisfied", "ratings")),
    "ratings": Sum("ratings", filter=_known("ratings_satisfied", "ratings")),
}
SCORE_TOTALS = tuple(SCORE_SUMS)


def _plus(a, b):
    """Sum of two optional counts: None only when both are."""
    return a if b is None else b if a is None else a + b


def _month_totals(rows, field_rows):
    """UnitMonthTotal objects from rows of sums (named t_<total>) per (unit, year, month, level) of the
    figures per procedure, and per (unit, year, month) of the figures per field."""
    totals = {}

    def total_of(row):
        key = (row["unit_id"], row["year"], row["month"])
        if key not in totals:
            totals[key] = UnitMonthTotal(unit_id=key[0], year=key[1], month=key[2])
        return totals[key]

    def add_sums(total, row):
        for name in FIGURE_SUMS:
            setattr(total, name, getattr(total, name) + row[f"t_{name}"])
        for name in SCORE_SUMS:
            setattr(total, name, _plus(getattr(total, name), row[f"t_{name}"]))

    for row in rows:
        total = total_of(row)
        add_sums(total, row)
        if row["level"] in _ONLINE:
            for name, summed in _ELIGIBLE.items():
                setattr(total, name, getattr(total, name) + row[f"t_{summed}"])
    for row in field_rows:
        total = total_of(row)
        total.by_field = True
        add_sums(total, row)
    return list(totals.values())


def _prefixed_sums():
    return {f"t_{name}": expression for name, expression in (FIGURE_SUMS | SCORE_SUMS).items()}


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
        for batch in batched(unit_ids, _CHUNK):
            UnitMonthTotal.objects.filter(months_q, unit_id__in=batch).delete()
            # Grouped by the level too, so that the level's subquery runs once per filing.
            rows = (
                MonthlyFiling.objects.filter(months_q, unit_id__in=batch)
                .order_by()
                .annotate(level=_level_in_force())
                .values("unit_id", "year", "month", "level")
                # Prefixed: an annotation named like a field would shadow it in the other sums.
                .annotate(**_prefixed_sums())
            )
            field_rows = (
                FieldFiling.objects.filter(months_q, unit_id__in=batch)
                .order_by()
                .values("unit_id", "year", "month")
                .annotate(**_prefixed_sums())
            )
            UnitMonthTotal.objects.bulk_create(_month_totals(rows, field_rows), batch_size=1000)
        versions_bump(unit_ids)


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


def offering_spans(offerings):
    """[(start, end, offerings, online, full)] of one unit, from its offerings as (procedure id, valid_from
    or None, service level) tuples: in each month from `start` (a month index, as offering_start gives;
    -1 from the beginning) up to the month before `end` (None: from then on), the counts of the offerings
    in force, by the rule of procedures.models.OfferingQuerySet.in_force: for each procedure, the one that
    started last by that month (of two started in the same month, the later date's). A span begins in a
    month where an offering starts and the counts change; before the first one the unit offers nothing."""
    latest = defaultdict(dict)  # procedure -> start -> (date, level) of the latest date started then
    for procedure, valid_from, level in offerings:
        start, day = offering_rank(valid_from)
        found = latest[procedure].get(start)
        if found is None or found[0] < day:
            latest[procedure][start] = (day, level)
    events = defaultdict(list)  # start -> [(procedure, its counts from then on)]
    for procedure, by_start in latest.items():
        for start, (_day, level) in by_start.items():
            events[start].append((procedure, (1, int(level in _ONLINE), int(level == ServiceLevel.FULL))))
    current, totals, spans = {}, (0, 0, 0), []
    for start in sorted(events):
        for procedure, counts in events[start]:
            before = current.get(procedure, (0, 0, 0))
            totals = tuple(t - b + c for t, b, c in zip(totals, before, counts, strict=True))
            current[procedure] = counts
        if spans and spans[-1][2:] == list(totals):
            continue
        if spans:
            spans[-1][1] = start
        spans.append([start, None, *totals])
    return [tuple(span) for span in spans]


def offering_totals_refresh(unit_ids):
    """Recompute the offering totals (OfferingTotal) of the given units from their offerings. Runs in the
    caller's transaction; cost grows with those units' offerings."""
    unit_ids = sorted(set(unit_ids))
    with transaction.atomic():
        for batch in batched(unit_ids, _CHUNK):
            OfferingTotal.objects.filter(unit_id__in=batch).delete()
            by_unit = defaultdict(list)
            rows = (
                Offering.objects.filter(unit_id__in=batch)
                .order_by()
                .values_list("unit_id", "procedure_id", "valid_from", "service_level")
                .iterator(chunk_size=10000)
            )
            for unit_id, procedure_id, valid_from, level in rows:
                by_unit[unit_id].append((procedure_id, valid_from, level))
            OfferingTotal.objects.bulk_create(
                [
                    OfferingTotal(unit_id=unit_id, start=start, end=end, offerings=all_, online=online, full=full)
                    for unit_id, offerings in by_unit.items()
                    for start, end, all_, online, full in offering_spans(offerings)
                ],
                batch_size=1000,
            )


def totals_rebuild():
    """Recompute every total from the filings and the offerings (after a restore, or to check the derived
    tables), and draw a new shared version, so that no result reused from before counts (reports.reuse)."""
    with transaction.atomic():
        UnitMonthTotal.objects.all().delete()
        unit_ids = set(MonthlyFiling.objects.order_by().values_list("unit_id", flat=True).distinct())
        unit_ids |= set(FieldFiling.objects.order_by().values_list("unit_id", flat=True).distinct())
        totals_refresh(list(unit_ids))
        OfferingTotal.objects.all().delete()
        offering_totals_refresh(Offering.objects.order_by().values_list("unit_id", flat=True).distinct())
        shared_version_renew()


def totals_on_figures_written(sender, *, unit_months, **kwargs):
    """filings.signals.figures_written: recompute the totals of the unit-months written."""
    totals_refresh({um["unit_id"] for um in unit_months}, {(um["year"], um["month"]) for um in unit_months})


def totals_on_offerings_changed(sender, *, changes, **kwargs):
    """procedures.signals.offerings_changed: recompute the offering totals of the units changed, and their
    unit-month totals from the first month each change affects."""
    unit_ids = {unit_id for unit_id, _valid_from in changes}
    offering_totals_refresh(unit_ids)
    totals_refresh_after_offerings(changes)
    versions_bump(unit_ids)


# --- versions of what the reports read (reports.reuse) -------------------------------------------------


def versions_bump(unit_ids):
    """Raise the version of each unit (UnitVersion), creating it at 1 with the unit's path, in the caller's
    transaction: the results reused between requests that read these units are not reused any more once it
    commits. The rows are locked until the transaction ends (two writers of one unit take turns, as its
    unit-months already make them). A unit that does not exist (being deleted) gets no counter."""
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return
    alias = router.db_for_write(UnitVersion)
    quote = connections[alias].ops.quote_name
    table, units = quote(UnitVersion._meta.db_table), quote(Unit._meta.db_table)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        for batch in batched(unit_ids, 500):
            cursor.execute(
                f"INSERT INTO {table} (unit_id, version, path) SELECT id, 1, path FROM {units} "
                f"WHERE id IN ({', '.join(['%s'] * len(batch))}) "
                f"ON CONFLICT (unit_id) DO UPDATE SET version = {table}.version + 1",
                list(batch),
            )


def shared_version_renew():
    """Draw a new SharedVersion token, in the caller's transaction: no result reused before counts once it
    commits (a change of the unit tree or the catalogue, a rebuild of the totals). The counters' copies of
    the units' paths are brought up to date in the same transaction, so that a subtree's counters are those
    of the units under it (reports.reuse)."""
    alias = router.db_for_write(SharedVersion)
    quote = connections[alias].ops.quote_name
    table = quote(SharedVersion._meta.db_table)
    versions, units = quote(UnitVersion._meta.db_table), quote(Unit._meta.db_table)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, token) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET token = excluded.token",
            [secrets.token_hex(16)],
        )
        current = f"(SELECT u.path FROM {units} u WHERE u.id = {versions}.unit_id)"
        cursor.execute(f"UPDATE {versions} SET path = {current} WHERE path <> {current}")


def versions_compact():
    """Give the counters' table back the space of the rows that raising them left behind, on PostgreSQL
    (elsewhere, or inside a transaction, nothing). Every raise leaves an old row, which a commit frees for
    reuse but not for return: after a bulk load that raised each of 3,321 counters some fifteen times in
    one transaction (`generate_dataset`), the table held 360 pages where 28 hold it, and the national
    versions that a ranking of the provinces reads took 1.2 ms instead of 0.2 ms of the database."""
    alias = router.db_for_write(UnitVersion)
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (FULL, ANALYZE) {connection.ops.quote_name(UnitVersion._meta.db_table)}")


def versions_on_statuses_changed(sender, *, unit_months, **kwargs):
    """filings.signals.statuses_changed: the approved months of these units changed."""
    versions_bump({um["unit_id"] for um in unit_months})


def versions_on_shared_change(sender, **kwargs):
    """The unit tree or the catalogue changed (units_changed, catalogue_changed, or a unit, procedure or
    field saved or deleted one by one)."""
    shared_version_renew()


# --- targets -------------------------------------------------------------------------------------------


@dataclass
class TargetsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _target_problems(row):
    kpi = KPIS.get(row["kpi"])
    if kpi is None:
        return [("kpi", _("unknown KPI %(kpi)r") % {"kpi": row["kpi"]})]
    problems = []
    if not FIRST_YEAR <= row["year"] <= LAST_YEAR:
        problems.append(
            (
                "year",
                _("year %(year)s is not between %(first)s and %(last)s")
                % {"year": row["year"], "first": FIRST_YEAR, "last": LAST_YEAR},
            )
        )
    target = Decimal(row["target"])
    if target < 0 or (kpi.is_rate and target > 100):
        problems.append(
            ("target", _("a target rate is a percentage between 0 and 100, not %(value)s") % {"value": target})
        )
    elif not kpi.is_rate and target != target.to_integral_value():
        problems.append(("target", _("a target count is a whole number, not %(value)s") % {"value": target}))
    return problems


def targets_upsert(rows, *, user=None, reason: str) -> TargetsResult:
    """Create or update targets by their key (unit_id, year, kpi), each with a history row (who,
    `reason`). Each row is a dict with those keys and `target` (a percentage for a rate, a count for a
    count KPI). Raises RowsRefused, writing nothing, for an unknown KPI, a year out of range or a target
    out of range."""
    rows = list(rows)
    problems = {position: issues for position, row in enumerate(rows) if (issues := _target_problems(row))}
    if problems:
        raise RowsRefused(problems)
    stored = {}
    for batch in batched(sorted({row["unit_id"] for row in rows}), 5000):
        for target in Target.objects.filter(unit_id__in=batch):
            stored[(target.unit_id, target.year, target.kpi)] = target
    new, changed, result = [], [], TargetsResult()
    for row in rows:
        value = Decimal(row["target"])
        target = stored.get((row["unit_id"], row["year"], row["kpi"]))
        if target is None:
            new.append(Target(unit_id=row["unit_id"], year=row["year"], kpi=row["kpi"], target=value))
        elif target.target != value:
            target.target = value
            changed.append(target)
        else:
            result.unchanged += 1
    user = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        if new:
            bulk_create_with_history(new, Target, batch_size=1000, default_user=user, default_change_reason=reason)
        if changed:
            bulk_update_with_history(
                changed, Target, ["target"], batch_size=1000, default_user=user, default_change_reason=reason
            )
        versions_bump(target.unit_id for target in new + changed)
    result.created, result.updated = len(new), len(changed)
    return result


def targets_delete(targets, *, user=None, reason: str) -> int:
    """Delete targets, each with a `-` history row."""
    targets = list(targets)
    with transaction.atomic():
        for target in targets:
            target._change_reason = reason
            if user is not None:
                target._history_user = user
            target.delete()
        versions_bump(target.unit_id for target in targets)
    return len(targets)
