"""The demo's counts of Decision 766: from January 2025, on the rows of the Quảng Ninh wards, Hải Phòng's
centre and the units before the reform, plausible (never more than what they count a part of), varied,
each KPI's counts reported together or not at all, some units not reporting some KPIs (no data, None,
never 0); written by seed_demo through the write services, with totals equal to a rebuild."""

from collections import defaultdict

import pytest
from django.utils import timezone

from core.periods import Month
from demo.filing_plan import NOT_REPORTED, REPORTED_FROM, SCORE_PAIRS, SCORES_FROM
from demo.plan import build_plan
from demo.tree import NEW_COMMUNES, PROVINCE_CENTRE
from filings.models import SCORE_FIELDS, FieldFiling, MonthlyFiling
from filings.rules import score_warnings
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild

QUANG_NINH = [code for code, _name, _old in NEW_COMMUNES]


@pytest.fixture(scope="module")
def plan():
    return build_plan(timezone.localdate())


def rows_of(plan):
    return [*plan.filings, *plan.field_filings]


def test_the_counts_start_in_2025_and_stay_within_what_they_count(plan):
    for row in rows_of(plan):
        scores = {name: row.counts.get(name) for name in SCORE_FIELDS}
        if Month(row.year, row.month) < SCORES_FROM:
            assert set(scores.values()) == {None}, row
            continue
        assert set(SCORE_FIELDS) <= set(row.counts), row
        assert score_warnings(row.counts) == [], row
        for names in SCORE_PAIRS.values():  # a KPI's counts are reported together or not at all
            assert len({row.counts[name] is None for name in names}) == 1, row


def test_the_quang_ninh_wards_and_the_centre_report_in_2025_and_2026(plan):
    reported = defaultdict(set)  # unit -> years with some count of Decision 766
    for row in rows_of(plan):
        if any(row.counts.get(name) is not None for name in SCORE_FIELDS):
            reported[row.unit].add(row.year)
    for code in [*QUANG_NINH, PROVINCE_CENTRE.code]:
        assert {2025, 2026} <= reported[code], code


def test_some_units_do_not_report_some_counts(plan):
    by_unit = defaultdict(lambda: defaultdict(set))  # unit -> KPI -> {reported?}
    for row in rows_of(plan):
        if Month(row.year, row.month) >= SCORES_FROM:
            for pair, names in SCORE_PAIRS.items():
                by_unit[row.unit][pair].add(row.counts[names[0]] is not None)
    for unit, pairs in NOT_REPORTED.items():
        for pair in pairs:
            assert by_unit[unit][pair] == {False}, (unit, pair)
    for (unit, pair), first in REPORTED_FROM.items():
        assert by_unit[unit][pair] == {False, True}, (unit, pair)
        for row in rows_of(plan):
            if row.unit == unit and Month(row.year, row.month) >= SCORES_FROM:
                assert (row.counts[SCORE_PAIRS[pair][0]] is not None) == (Month(row.year, row.month) >= first)
    assert all(by_unit[PROVINCE_CENTRE.code][pair] >= {True} for pair in SCORE_PAIRS)
    # Most units report most KPIs, and the gaps vary: not one pattern everywhere.
    patterns = {tuple(sorted(p for p, seen in pairs.items() if True in seen)) for pairs in by_unit.values()}
    assert len(patterns) >= 4
    rates = {
        unit: sum(r.counts["synced"] or 0 for r in rows_of(plan) if r.unit == unit and r.year >= 2025)
        for unit in QUANG_NINH
    }
    assert len(set(rates.values())) == len(QUANG_NINH)


def test_the_plan_is_the_same_on_every_build(plan):
    again = build_plan(timezone.localdate())
    assert [r.counts for r in again.filings] == [r.counts for r in plan.filings]


@pytest.mark.django_db
def test_seed_demo_stores_them_with_unknown_as_none_and_totals_as_a_rebuild(seeded, plan):
    mong_duong = MonthlyFiling.objects.filter(unit__code="22.MONGDUONG", year=2026)
    assert mong_duong.exists()
    assert not mong_duong.filter(fee_required__isnull=False).exists()  # not reported: None, not 0
    assert not mong_duong.filter(synced__isnull=True).exists()
    assert not MonthlyFiling.objects.filter(year__lt=2025, synced__isnull=False).exists()
    yen_tu = FieldFiling.objects.filter(unit__code="22.YENTU", year=2026)
    assert yen_tu.exists() and not yen_tu.filter(digitised__isnull=False).exists()
    assert not yen_tu.filter(e_results__isnull=True).exists()

    planned = {(r.unit, r.procedure, r.year, r.month): r.counts for r in plan.filings if r.unit == "31.TTHCC"}
    for row in MonthlyFiling.objects.filter(unit__code="31.TTHCC").values(
        "procedure__code", "year", "month", *SCORE_FIELDS
    ):
        counts = planned[("31.TTHCC", row["procedure__code"], row["year"], row["month"])]
        assert [row[name] for name in SCORE_FIELDS] == [counts.get(name) for name in SCORE_FIELDS]

    total = UnitMonthTotal.objects.get(unit__code="22.MONGDUONG", year=2026, month=1)
    assert total.synced and total.synced_base and total.fee_required is None and total.paid_online is None

    columns = [f.name for f in UnitMonthTotal._meta.fields if f.name != "id"]
    before = sorted(UnitMonthTotal.objects.values_list(*columns))
    totals_rebuild()
    assert sorted(UnitMonthTotal.objects.values_list(*columns)) == before
