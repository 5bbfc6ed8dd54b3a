"""seed_demo's units that report per field (form 06): their figures per field written through
field_filings_upsert from the month their reporting mode gives, none per procedure in those months, the
statuses of their neighbours, and KPIs of the parents that mix both kinds that add up the stored rows of
both, while the contract's figures stay where they were."""

import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q, Sum
from django.utils import timezone

from core.periods import Month, Period
from demo import status_plan
from demo.filing_plan import filing_plan
from demo.offering_plan import offering_plan
from demo.plan import build_plan
from demo.reporting_plan import PER_FIELD_FROM, split_by_grain
from demo.tree import unit_tree
from filings.kinds import unit_month_kind
from filings.models import COUNT_FIELDS, FieldFiling, Grain, MonthlyFiling, ReportingMode, UnitMonth, UnitMonthStatus
from procedures.models import Offering
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

PER_FIELD = dict(PER_FIELD_FROM)
SWITCHING = "22.YENTU"  # per procedure from July 2025, per field from January 2026
# The contract's figures (CONTRACT.md, "Demo data"): their subtrees hold no figures per field.
CONTRACT_FIGURES = [
    ("195.TTHCC", "2019-01..2019-07"),
    ("195", "2019-01..2019-07"),
    ("196.TTHCC", "2018"),
    ("196", "2018"),
]


def kpi_json(code, period, *options):
    out = StringIO()
    call_command("kpi", "--unit", code, "--period", period, *options, "--json", stdout=out)
    return json.loads(out.getvalue())["kpis"]


def months(model, code):
    return {Month(y, m) for y, m in model.objects.filter(unit__code=code).values_list("year", "month").distinct()}


# --- the plan ----------------------------------------------------------------------------------------


def test_the_units_per_field_are_communes_outside_the_pinned_figures():
    units = {u.code: u for u in unit_tree()}
    pinned = {"195", "196", "502"}  # DOMAIN.md's field figures: Cẩm Phả, Uông Bí, Tam Kỳ
    set_apart = {*status_plan.AWAITING, *status_plan.RETURNED, *status_plan.NOT_YET_ENTERED}
    assert 3 <= len(PER_FIELD) <= 5
    for code in PER_FIELD:
        assert units[code].kind == UnitKind.COMMUNE, code
        assert units[code].parent not in pinned and code not in set_apart, code


def test_the_plan_gives_a_unit_month_one_kind_of_figures():
    plan = build_plan(timezone.localdate())
    per_procedure = {(f.unit, Month(f.year, f.month)) for f in plan.filings}
    per_field = {(f.unit, Month(f.year, f.month)) for f in plan.field_filings}
    assert per_field and not per_procedure & per_field
    assert {unit for unit, _month in per_field} == set(PER_FIELD)
    assert all(month >= PER_FIELD[unit] for unit, month in per_field)
    assert {(m.unit, m.month, m.grain) for m in plan.reporting_modes} == {
        (unit, month, Grain.FIELD) for unit, month in PER_FIELD_FROM
    }


def test_a_unit_month_per_field_holds_what_its_procedures_would_have_held():
    """The per-field rows are the planned rows per procedure summed by field: every total stays the same."""
    plan = build_plan(timezone.localdate())
    everything, none_per_field = split_by_grain([*plan.filings, *procedure_rows_of(plan)], [])
    assert not none_per_field

    def totals(rows):
        sums = defaultdict(lambda: defaultdict(int))
        for row in rows:
            for name in COUNT_FIELDS:
                sums[row.unit, row.year, row.month][name] += row.counts[name]
        return sums

    assert totals([*plan.filings, *plan.field_filings]) == totals(everything)


def procedure_rows_of(plan):
    """The planned rows per procedure behind the plan's rows per field (the plan without reporting modes)."""
    offerings, active = offering_plan()
    last = max(Month(f.year, f.month) for f in plan.filings)
    per_field = {(f.unit, f.year, f.month) for f in plan.field_filings}
    return [f for f in filing_plan(last, offerings, active) if (f.unit, f.year, f.month) in per_field]


# --- what seed_demo stored ---------------------------------------------------------------------------


def test_the_units_per_field_have_figures_per_field_and_none_per_procedure_in_those_months(seeded):
    for code, first in PER_FIELD.items():
        unit = Unit.objects.get(code=code)
        assert ReportingMode.objects.get(unit=unit, year=first.year, month=first.month).grain == Grain.FIELD
        by_field = months(FieldFiling, code)
        assert len(by_field) >= 6 and min(by_field) == first, code
        assert all(month < first for month in months(MonthlyFiling, code)), code
    # Over the whole demo, no unit-month holds both kinds.
    both = defaultdict(set)
    for model in (MonthlyFiling, FieldFiling):
        for key in model.objects.values_list("unit_id", "year", "month").distinct():
            both[key].add(model)
    assert not [key for key, kinds in both.items() if len(kinds) > 1]


def test_a_ward_switches_from_per_procedure_to_per_field_from_a_month_on(seeded):
    switch = PER_FIELD[SWITCHING]
    by_procedure, by_field = months(MonthlyFiling, SWITCHING), months(FieldFiling, SWITCHING)
    assert by_procedure and max(by_procedure) == switch.shift(-1)
    assert by_field and min(by_field) == switch
    assert min(by_procedure) == Month(2025, 7)  # the ward exists from the 2025 reform on
    # The month after the last one with figures has none yet: the reporting mode decides, and the entry
    # page gives the ward a grid of fields.
    unit = Unit.objects.get(code=SWITCHING)
    after = seeded.last_month.shift(1)
    assert unit_month_kind(unit, after.year, after.month).grain == Grain.FIELD
    before = switch.shift(-1)
    assert unit_month_kind(unit, before.year, before.month).grain == Grain.PROCEDURE


def test_figures_per_field_are_plausible_rows_of_form_06(seeded):
    rows = FieldFiling.objects.filter(unit__code__in=PER_FIELD).select_related("unit", "field")
    assert rows.count() > 150
    by_unit_month = defaultdict(set)
    previous, carried_checked = {}, 0
    for row in rows.order_by("unit_id", "field_id", "year", "month"):
        counts = {name: getattr(row, name) for name in COUNT_FIELDS}
        new = counts["received_online"] + counts["received_direct"] + counts["received_postal"]
        resolved = counts["resolved_early"] + counts["resolved_on_time"] + counts["resolved_late"]
        pending = counts["pending_on_time"] + counts["pending_overdue"]
        assert counts["carried_over"] + new == resolved + pending, row
        assert counts["returned_postal"] <= resolved, row
        month = Month(row.year, row.month)
        by_unit_month[row.unit.code, month].add(row.field.name)
        before = previous.get((row.unit_id, row.field_id))
        if before and before[0].shift(1) == month:
            assert counts["carried_over"] == before[1], row  # last month's pending is carried over
            carried_checked += 1
        previous[row.unit_id, row.field_id] = (month, pending)
    assert carried_checked > 100
    for (code, month), fields in by_unit_month.items():
        assert {"Hộ tịch", "Chứng thực"} <= fields, (code, month)
        assert len(fields) >= 4, (code, month)
    # The fields are those of procedures the ward offers: Hộ tịch, Chứng thực, Bảo trợ xã hội, Đất đai ...
    offered = set(Offering.objects.filter(unit__code__in=PER_FIELD).values_list("unit__code", "procedure__field__name"))
    assert {(code, f) for (code, _month), fields in by_unit_month.items() for f in fields} <= offered
    assert {"Bảo trợ xã hội", "Đất đai"} <= {f for fields in by_unit_month.values() for f in fields}
    today = timezone.localdate()
    assert not FieldFiling.objects.filter(Q(year__gt=today.year) | Q(year=today.year, month__gt=today.month)).exists()
    for code in PER_FIELD:
        sums = FieldFiling.objects.filter(unit__code=code).aggregate(
            online=Sum("received_online"), new=Sum(F("received_online") + F("received_direct") + F("received_postal"))
        )
        assert 0.15 <= sums["online"] / sums["new"] <= 0.70, code


def test_months_per_field_have_the_statuses_of_their_neighbours(seeded):
    today = timezone.localdate()
    open_month = status_plan.open_month(today)
    states = {
        (um.unit.code, Month(um.year, um.month)): um
        for um in UnitMonth.objects.filter(unit__code__in=PER_FIELD).select_related("unit")
    }
    checked = 0
    for code in PER_FIELD:
        for month in months(FieldFiling, code):
            state = states[code, month]
            if month == open_month:
                assert state.status == UnitMonthStatus.DRAFT, (code, month)
                continue
            assert state.status == UnitMonthStatus.APPROVED, (code, month)
            assert state.first_submitted_at <= state.decided_at <= timezone.now(), (code, month)
            history = list(
                UnitMonth.history.filter(id=state.pk).order_by("history_id").values_list("status", flat=True)
            )
            assert history == ["draft", "submitted", "approved"], (code, month)
            checked += 1
    assert checked > 40
    # The figures were written by the demo, through field_filings_upsert: one history row each.
    written = FieldFiling.history.filter(unit__code__in=PER_FIELD)
    assert written.count() == FieldFiling.objects.filter(unit__code__in=PER_FIELD).count()
    assert set(written.values_list("history_change_reason", flat=True)) == {"demo: seed_demo"}


# --- KPIs over both kinds ----------------------------------------------------------------------------


def by_hand(code, period_text):
    """online_rate and on_time_rate of the unit's subtree over the period, from the stored rows of both
    kinds; and how many of its unit-months are reported per field."""
    unit = Unit.objects.get(code=code)
    period = Period.parse(period_text)
    online = new = in_time = resolved = 0
    for model in (MonthlyFiling, FieldFiling):
        sums = model.objects.filter(period.filter_q(), unit__path__startswith=unit.path).aggregate(
            online=Sum("received_online"),
            new=Sum(F("received_online") + F("received_direct") + F("received_postal")),
            in_time=Sum(F("resolved_early") + F("resolved_on_time")),
            resolved=Sum(F("resolved_early") + F("resolved_on_time") + F("resolved_late")),
        )
        online, new = online + (sums["online"] or 0), new + (sums["new"] or 0)
        in_time, resolved = in_time + (sums["in_time"] or 0), resolved + (sums["resolved"] or 0)
    per_field = (
        FieldFiling.objects.filter(period.filter_q(), unit__path__startswith=unit.path)
        .values_list("unit_id", "year", "month")
        .distinct()
        .count()
    )
    return (online, new), (in_time, resolved), per_field


@pytest.mark.parametrize(
    "code, period",
    [
        ("436", "2024-07..2025-06"),  # two of its wards per field all along
        ("305", "2024-07..2025-06"),  # one of its wards per field
        ("31", "2025"),  # the city over its districts
        ("22", None),  # the province in the current year: the ward that switched
    ],
)
def test_a_parent_mixing_both_kinds_counts_the_rows_of_both(seeded, code, period):
    closed = period is not None  # the current year has months waiting, returned and open for entry
    period = period or str(seeded.last_month.year)
    (online, new), (in_time, resolved), per_field = by_hand(code, period)
    assert per_field > 0
    figures = kpi_json(code, period)
    assert (figures["online_rate"]["numerator"], figures["online_rate"]["denominator"]) == (online, new)
    assert (figures["on_time_rate"]["numerator"], figures["on_time_rate"]["denominator"]) == (in_time, resolved)
    eligible = figures["online_rate_eligible"]
    assert eligible["field_level_unit_months"] == per_field
    assert 0 < eligible["denominator"] < new  # per procedure only, offered online only
    assert "field_level_unit_months" not in figures["online_rate"]
    if closed:  # every month per field was approved, like its neighbours: counting approved ones changes nothing
        assert kpi_json(code, period, "--approved-only") == figures


def test_the_contract_figures_hold_no_figures_per_field(seeded):
    for code, period in CONTRACT_FIGURES:
        unit = Unit.objects.get(code=code)
        assert not FieldFiling.objects.filter(unit__path__startswith=unit.path).exists(), code
        for value in kpi_json(code, period).values():
            assert "field_level_unit_months" not in value, (code, period)
    assert kpi_json("195.TTHCC", "2019-01..2019-07")["online_rate_eligible"]["numerator"] == 929
    assert kpi_json("195", "2019-01..2019-07")["online_rate_eligible"]["denominator"] == 14270
    assert kpi_json("196", "2018")["online_rate"]["numerator"] == 1500
