"""The fast path of the KPIs gives what the plain computation gives (issue 16).

The fast path: the unit-month totals and the offering totals kept by the write services, the grouped sums
of reports.selectors, and the sums reused between requests (reports.reuse). The plain computation, here:
the figures, offerings, statuses and units themselves, added up in Python by the rules of docs/kpis.md (the
level in force: the offering of a (unit, procedure) that started last by the month; procedure rates: the
offerings in force at the period's end of the units that exist then).

Random data (a tree with a closed commune, offerings whose levels change over time, figures per procedure
and per field with and without the Decision 766 counts, approved and unapproved months), every KPI, several
periods, each unit's subtree and own figures, approved months only or all; and with results reused, after
each of a series of random edits through the write services. Runs on SQLite and on PostgreSQL
(DATABASE_URL=postgres://...).
"""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.periods import Month, Period
from filings.models import FieldFiling, MonthlyFiling, UnitMonth, UnitMonthStatus
from filings.services import Source, field_filings_upsert, filings_delete, filings_upsert
from filings.workflow import unit_months_approve_bulk
from procedures.models import Field, Offering, Procedure, ServiceLevel, month_index
from procedures.services import offerings_upsert, procedures_upsert
from reports.kpis import KPIS
from reports.selectors import kpis_for_units
from reports.series import monthly_kpis
from reports.services import offering_spans, targets_upsert
from units.models import Unit
from units.services import units_upsert

ONLINE = {ServiceLevel.FULL, ServiceLevel.PARTIAL}
MONTHS = Period.parse("2024-01..2025-06").months
PERIODS = [Period.parse(text) for text in ("2024", "2025-Q1", "2025-03", "2024-11..2025-02", "2024-01..2025-06")]
OPTIONAL = ("synced", "fee_required", "paid_online", "digitised", "e_results", "ratings", "ratings_satisfied")


def build(seed, communes=3, procedures=5):
    """A province with two districts (each with `communes` communes, one of them closed at the end of 2024)
    and its own centre; random offerings, figures and approvals through the write services."""
    rng = random.Random(seed)
    rows = [
        {"code": "P", "name": "Tỉnh P", "kind": "province"},
        {"code": "P.C", "name": "TTHCC", "kind": "center", "parent_code": "P"},
    ]
    for d in (1, 2):
        rows.append({"code": f"D{d}", "name": f"Huyện {d}", "kind": "district", "parent_code": "P"})
        for c in range(1, communes + 1):
            closed = datetime.date(2024, 12, 31) if (d, c) == (2, 1) else None
            rows.append(
                {
                    "code": f"D{d}.X{c}",
                    "name": f"Xã {d}.{c}",
                    "kind": "commune",
                    "parent_code": f"D{d}",
                    "valid_to": closed,
                }
            )
    units_upsert(rows, reason="test")
    procedures_upsert(
        [
            {"code": f"PR{i}", "name": f"Thủ tục {i}", "field_code": f"F{i % 2}", "field": f"Lĩnh vực {i % 2}"}
            for i in range(procedures)
        ],
        reason="test",
    )
    units = list(Unit.objects.order_by("code"))
    procedures = list(Procedure.objects.order_by("code"))
    fields = list(Field.objects.order_by("code"))
    starts = [None, *[month.first_day for month in MONTHS[::4]], datetime.date(2025, 3, 5), datetime.date(2025, 3, 17)]
    offerings = []
    for unit in units:
        for procedure in procedures:
            if rng.random() < 0.2:
                continue  # not offered
            # Two may start in March 2025: the later date's holds for the whole month.
            for start in sorted(set(rng.sample(starts, rng.randint(1, 3))), key=lambda d: d or datetime.date.min):
                level = rng.choice([ServiceLevel.FULL, ServiceLevel.PARTIAL, ServiceLevel.NONE])
                offerings.append(
                    {"unit_id": unit.pk, "procedure_id": procedure.pk, "valid_from": start, "service_level": level}
                )
    offerings_upsert(offerings, reason="test")
    per_procedure, per_field, keys = [], [], []
    for unit in units:
        for month in MONTHS:
            if not unit.exists_between(month.first_day, month.last_day) or rng.random() < 0.25:
                continue
            keys.append((unit.pk, month.year, month.month))
            if rng.random() < 0.2:
                per_field += [dict(unit_id=unit.pk, field_id=f.pk, **_counts(rng, month)) for f in fields]
            else:
                chosen = rng.sample(procedures, rng.randint(1, len(procedures)))
                per_procedure += [dict(unit_id=unit.pk, procedure_id=p.pk, **_counts(rng, month)) for p in chosen]
    filings_upsert(per_procedure, fields=[*_FORM06, *OPTIONAL], source=Source.IMPORT)
    field_filings_upsert(per_field, fields=[*_FORM06, *OPTIONAL], source=Source.IMPORT)
    unit_months_approve_bulk(rng.sample(keys, len(keys) // 2), user=None)
    return rng


_FORM06 = ("received_online", "received_direct", "received_postal", "resolved_early", "resolved_on_time")
_FORM06 += ("resolved_late", "returned_postal")


def _counts(rng, month):
    row = {"year": month.year, "month": month.month}
    for name in _FORM06:
        row[name] = rng.choice([0, 0, 1, 3, 10, 25])
    new = row["received_online"] + row["received_direct"] + row["received_postal"]
    row["synced"] = rng.choice([None, rng.randint(0, new)])
    row["fee_required"] = rng.choice([None, rng.randint(0, new)])
    row["paid_online"] = rng.choice([None, rng.randint(0, row["fee_required"] or 0)])
    row["digitised"] = rng.choice([None, rng.randint(0, new)])
    resolved = row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
    row["e_results"] = rng.choice([None, rng.randint(0, resolved)])
    row["ratings"] = rng.choice([None, rng.randint(0, 9)])
    row["ratings_satisfied"] = rng.choice([None, rng.randint(0, row["ratings"] or 0)])
    return row


# --- the plain computation --------------------------------------------------------------------------------


class Plain:
    """Every KPI's numerator and denominator (or count) from the stored rows, in Python."""

    def __init__(self):
        self.units = {u.pk: u for u in Unit.objects.all()}
        self.approved = set(
            UnitMonth.objects.filter(status=UnitMonthStatus.APPROVED).values_list("unit_id", "year", "month")
        )
        self.procedure_rows = list(MonthlyFiling.objects.all())
        self.field_rows = list(FieldFiling.objects.all())
        self.offerings = defaultdict(list)  # (unit, procedure) -> [(start, valid_from, level)]
        for unit_id, procedure_id, valid_from, level in Offering.objects.values_list(
            "unit_id", "procedure_id", "valid_from", "service_level"
        ):
            start = month_index(valid_from.year, valid_from.month) if valid_from else -1
            self.offerings[unit_id, procedure_id].append((start, valid_from or datetime.date.min, level))

    def in_force(self, unit_id, procedure_id, index):
        """The level of the offering in force in the month `index`: the latest started (start, then date)."""
        started = [item for item in self.offerings.get((unit_id, procedure_id), []) if item[0] <= index]
        return max(started)[2] if started else None

    def level(self, unit_id, procedure_id, year, month):
        return self.in_force(unit_id, procedure_id, month_index(year, month))

    def values(self, unit, period, own, approved_only):
        def in_scope(unit_id):
            return unit_id == unit.pk if own else self.units[unit_id].path.startswith(unit.path)

        months = {(m.year, m.month) for m in period.months}

        def counted(row):
            key = (row.unit_id, row.year, row.month)
            return in_scope(row.unit_id) and key[1:] in months and (not approved_only or key in self.approved)

        s = defaultdict(int)
        d = dict.fromkeys(("synced", "synced_base", "paid", "fee", "digitised", "digitised_base"))
        d |= dict.fromkeys(("e_results", "e_results_base", "satisfied", "ratings"))
        by_field = set()

        def add(name, value):
            d[name] = value if d[name] is None else d[name] + value

        for kind, rows in (("procedure", self.procedure_rows), ("field", self.field_rows)):
            for r in filter(counted, rows):
                new = r.received_online + r.received_direct + r.received_postal
                resolved = r.resolved_early + r.resolved_on_time + r.resolved_late
                s["online"] += r.received_online
                s["new"] += new
                s["in_time"] += r.resolved_early + r.resolved_on_time
                s["resolved"] += resolved
                s["returned_postal"] += r.returned_postal
                s["received_postal"] += r.received_postal
                if kind == "field":
                    by_field.add((r.unit_id, r.year, r.month))
                elif self.level(r.unit_id, r.procedure_id, r.year, r.month) in ONLINE:
                    s["eligible_online"] += r.received_online
                    s["eligible_new"] += new
                if r.synced is not None:
                    add("synced", r.synced), add("synced_base", new)
                if r.paid_online is not None and r.fee_required is not None:
                    add("paid", r.paid_online), add("fee", r.fee_required)
                if r.digitised is not None:
                    add("digitised", r.digitised), add("digitised_base", new)
                if r.e_results is not None:
                    add("e_results", r.e_results), add("e_results_base", resolved)
                if r.ratings_satisfied is not None and r.ratings is not None:
                    add("satisfied", r.ratings_satisfied), add("ratings", r.ratings)

        end, day = period.end.index, period.end.last_day
        online_filed = {
            (r.unit_id, r.procedure_id) for r in self.procedure_rows if counted(r) and r.received_online > 0
        }
        o = defaultdict(int)
        for unit_id, procedure_id in self.offerings:
            if not in_scope(unit_id) or not self.units[unit_id].exists_between(day, day):
                continue
            level = self.in_force(unit_id, procedure_id, end)
            if level is None:
                continue
            o["all"] += 1
            o["online"] += level in ONLINE
            o["full"] += level == ServiceLevel.FULL
            o["used"] += level in ONLINE and (unit_id, procedure_id) in online_filed
        return {
            "online_rate": (s["online"], s["new"]),
            "online_rate_eligible": (s["eligible_online"], s["eligible_new"], len(by_field)),
            "procedures_online_rate": (o["online"], o["all"]),
            "procedures_full_online_rate": (o["full"], o["all"]),
            "on_time_rate": (s["in_time"], s["resolved"]),
            "postal_returns": s["returned_postal"],
            "postal_received": s["received_postal"],
            "sync_rate": (d["synced"], d["synced_base"]),
            "online_payment_rate": (d["paid"], d["fee"]),
            "digitisation_rate": (d["digitised"], d["digitised_base"]),
            "e_result_rate": (d["e_results"], d["e_results_base"]),
            "satisfaction_rate": (d["satisfied"], d["ratings"]),
            "procedures_with_online_filings_rate": (o["used"], o["online"], len(by_field)),
        }


def fast(value):
    """A KpiValue as the plain computation states it."""
    if not value.kpi.is_rate:
        return value.count
    if value.kpi.needs_level:
        return (value.numerator, value.denominator, value.field_level_unit_months)
    return (value.numerator, value.denominator)


def compare(periods=PERIODS, units=None):
    plain = Plain()
    units = units or list(Unit.objects.order_by("path"))
    compared = 0
    for period in periods:
        for own in (False, True):
            for approved_only in (False, True):
                got = kpis_for_units(units, period, own=own, approved_only=approved_only)
                for unit in units:
                    expected = plain.values(unit, period, own, approved_only)
                    actual = {key: fast(value) for key, value in got[unit.pk].values.items()}
                    assert actual == expected, (unit.code, str(period), own, approved_only)
                    compared += 1
    return compared


# --- the tests ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_derived_totals_give_the_plain_computation_for_every_kpi():
    build(seed=16)
    assert set(Plain().values(Unit.objects.get(code="P"), PERIODS[0], False, False)) == set(KPIS)
    assert compare() == len(PERIODS) * 4 * Unit.objects.count()
    # Month by month (the trends, the alerts, the projections) too.
    plain, province = Plain(), Unit.objects.get(code="P")
    for approved_only in (False, True):
        series = monthly_kpis([province], PERIODS[-1], approved_only=approved_only)[province.pk]
        for month, values in series.items():
            expected = plain.values(province, Period(month, month), False, approved_only)
            assert {key: fast(value) for key, value in values.values.items()} == {
                key: expected[key] for key in values.values
            }, str(month)


@pytest.mark.django_db(transaction=True)
def test_reused_results_follow_every_edit_through_the_write_services():
    """Outside a transaction, as requests run, the sums are reused (a second question reads only the
    versions and the targets); each write service's edit shows in the very next answer."""
    rng = build(seed=1601, communes=2, procedures=3)
    periods = [Period.parse("2025-Q1"), Period.parse("2024-01..2025-06")]
    province = Unit.objects.get(code="P")
    units = list(Unit.objects.order_by("path"))
    compare(periods, units)
    with CaptureQueriesContext(connection) as queries:
        kpis_for_units(units, periods[0])
    assert len(queries) == 3  # the versions of the filing and offering sums, and the targets: reused
    procedures = list(Procedure.objects.order_by("code"))
    commune = Unit.objects.get(code="D1.X1")
    edits = [
        lambda: filings_upsert(
            [dict(unit_id=commune.pk, procedure_id=procedures[0].pk, **_counts(rng, Month(2025, 2)))],
            fields=[*_FORM06, *OPTIONAL],
            source=Source.FORM,
            force=True,
        ),
        lambda: offerings_upsert(
            [
                {
                    "unit_id": commune.pk,
                    "procedure_id": procedures[1].pk,
                    "valid_from": datetime.date(2025, 2, 1),
                    "service_level": rng.choice([ServiceLevel.FULL, ServiceLevel.NONE]),
                }
            ],
            reason="test",
        ),
        lambda: unit_months_approve_bulk(
            list(
                UnitMonth.objects.exclude(status=UnitMonthStatus.APPROVED)
                .filter(unit__path__startswith=province.path)
                .values_list("unit_id", "year", "month")[:3]
            ),
            user=None,
        ),
        lambda: filings_delete(
            list(MonthlyFiling.objects.filter(unit=commune, year=2025)[:2]), source=Source.ADMIN, force=True
        ),
        lambda: units_upsert([{"code": "D2.X2", "valid_to": datetime.date(2025, 1, 31)}], reason="test"),
        lambda: targets_upsert([{"unit_id": commune.pk, "year": 2025, "kpi": "online_rate", "target": 40}], reason="t"),
    ]
    for edit in edits:
        kpis_for_units(units, periods[0])  # reused before the edit
        edit()
        compare(periods, list(Unit.objects.order_by("path")))
    assert kpis_for_units([commune], periods[0])[commune.pk]["online_rate"].target == 40


@pytest.mark.django_db
def test_the_offering_spans_follow_the_offerings_in_force():
    """offering_spans against the SQL rule (Offering.objects.in_force), month by month; two offerings of a
    procedure started in the same month included: the later date's holds, the procedure counts once."""
    day = datetime.date
    unit = Unit.objects.create(code="SPANS", name="Spans", kind="commune")
    procedures = [Procedure.objects.create(code=f"9.99999{n}", name=f"P{n}") for n in range(3)]
    plan = [
        (0, None, ServiceLevel.NONE),
        (0, day(2024, 3, 1), ServiceLevel.FULL),
        (1, day(2024, 3, 1), ServiceLevel.NONE),
        (1, day(2024, 3, 20), ServiceLevel.PARTIAL),  # the same month, later: holds for all of March
        (1, day(2024, 7, 5), ServiceLevel.FULL),
        (2, day(2024, 5, 9), ServiceLevel.NONE),
        (2, day(2024, 9, 1), ServiceLevel.NONE),  # no change of counts: no new span
    ]
    Offering.objects.bulk_create(
        [
            Offering(unit=unit, procedure=procedures[p], valid_from=start, service_level=level)
            for p, start, level in plan
        ]
    )
    spans = offering_spans([(procedures[p].pk, start, level) for p, start, level in reversed(plan)])
    for index in range(month_index(2023, 12), month_index(2025, 1)):
        year, month = divmod(index, 12)
        levels = list(
            Offering.objects.in_force(year, month + 1).filter(unit=unit).values_list("service_level", flat=True)
        )
        expected = (len(levels), sum(level in ONLINE for level in levels), levels.count(ServiceLevel.FULL))
        found = [s[2:] for s in spans if s[0] <= index and (s[1] is None or index < s[1])]
        assert found == ([expected] if levels else []), (year, month + 1)
    assert [s[2:] for s in spans if s[0] == month_index(2024, 3)] == [(2, 2, 1)]  # not 3 offerings in March
    assert len(spans) == 4  # -1, 2024-03, 2024-05, 2024-07
