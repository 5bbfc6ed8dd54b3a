"""scripts/partition_filings.py, the plan of docs/deploy.md ("The filings table partitioned by year"): the
filings table converted into one partitioned by year keeps its rows, ids, constraints, indexes and foreign
keys, and the ORM, the KPI totals and the write path of figures work on it.

PostgreSQL only. Each test runs in the test's transaction, which is rolled back: the conversion (DDL
included) never outlives it.
"""

import importlib.util

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from filings.models import FieldFiling, MonthlyFiling
from filings.services import Source, filings_upsert
from reports.models import UnitMonthTotal
from tests.factories import FieldFactory, FilingFactory, ProcedureFactory, UnitFactory

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="PostgreSQL only"
    ),
    pytest.mark.django_db,
]

_spec = importlib.util.spec_from_file_location("partition_filings", settings.BASE_DIR / "scripts/partition_filings.py")
partition_filings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(partition_filings)

TABLE = MonthlyFiling._meta.db_table
THIS_YEAR = 2026


@pytest.fixture
def figures():
    """Figures of 2019 and 2024 for two communes and two procedures."""
    communes = [UnitFactory(code=code) for code in ("A", "B")]
    procedures = [ProcedureFactory(code=code) for code in ("1.001", "1.002")]
    for year in (2019, 2024):
        for n, (unit, procedure) in enumerate((u, p) for u in communes for p in procedures):
            FilingFactory(unit=unit, procedure=procedure, year=year, month=n + 1, received_online=n, received_direct=7)
    return communes, procedures


def query(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def rows():
    return list(MonthlyFiling.objects.order_by("id").values())


def totals():
    return [
        {name: value for name, value in row.items() if name != "id"}
        for row in UnitMonthTotal.objects.order_by("unit", "year", "month").values()
    ]


def test_the_plan_without_running_it(figures):
    statements = partition_filings.plan(connection, TABLE, this_year=THIS_YEAR)
    assert "PARTITION BY RANGE (year)" in statements[2]
    partitions = [s.split('"')[1] for s in statements if " PARTITION OF " in s]
    assert partitions == [f"{TABLE}_y{year}" for year in range(2019, THIS_YEAR + 2)] + [f"{TABLE}_other"]
    assert query("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("r",)]  # nothing ran


def test_the_converted_table_keeps_its_rows_keys_and_constraints(figures):
    communes, procedures = figures
    before, totals_before = rows(), totals()
    last_id = max(row["id"] for row in before)

    partition_filings.convert(connection, TABLE, this_year=THIS_YEAR)

    assert query("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE]) == [("p",)]
    assert rows() == before
    placed = query(f"SELECT DISTINCT tableoid::regclass::text, year FROM {TABLE} ORDER BY year")
    assert placed == [(f"{TABLE}_y2019", 2019), (f"{TABLE}_y2024", 2024)]
    constraints = dict(
        query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass", [TABLE])
    )
    assert constraints[f"{TABLE}_pkey"] == "PRIMARY KEY (id, year)"
    assert constraints["filing_unique_unit_procedure_month"] == "UNIQUE (unit_id, procedure_id, year, month)"
    assert constraints["filing_month_1_12"] == "CHECK (((month >= 1) AND (month <= 12)))"
    assert {name for name in constraints if "_fk_" in name} == {
        "filings_monthlyfilin_procedure_id_f847f1fe_fk_procedure",
        "filings_monthlyfiling_unit_id_ed229acd_fk_units_unit_id",
    }
    indexes = {name for (name,) in query("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])}
    assert "filing_period_unit" in indexes
    # A month's figures are read from its year's partition only.
    plan = "\n".join(line for (line,) in query(f"EXPLAIN SELECT * FROM {TABLE} WHERE year = 2019 AND month = 1"))
    assert f"{TABLE}_y2019" in plan and f"{TABLE}_y2024" not in plan

    # The ORM: a new row takes the next id and goes to its year's partition; update and delete; the rules hold.
    new = MonthlyFiling.objects.create(unit=communes[0], procedure=procedures[0], year=2025, month=1)
    assert new.id == last_id + 1
    assert query(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [new.id]) == [(f"{TABLE}_y2025",)]
    assert MonthlyFiling.objects.filter(pk=new.pk).update(received_online=5) == 1
    MonthlyFiling.objects.get(pk=new.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyFiling.objects.create(unit=communes[0], procedure=procedures[0], year=2019, month=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyFiling.objects.create(unit=communes[0], procedure=procedures[0], year=2019, month=13)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyFiling.objects.create(unit_id=communes[0].pk + 1000, procedure=procedures[0], year=2019, month=9)
        query("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys are deferred to the commit (in case)

    # The KPI totals, rebuilt from the partitioned table, are the same.
    call_command("rebuild_totals", verbosity=0)
    assert totals() == totals_before


def test_the_write_path_imports_new_and_changed_figures_into_it(figures):
    """filings_upsert tells inserted from updated rows by `RETURNING (f.xmax = 0)` on a plain table; on a
    partitioned one, which has no system columns to return, by the keys stored before the insert."""
    communes, procedures = figures
    partition_filings.convert(connection, TABLE, this_year=THIS_YEAR)
    a, b = communes
    first, second = procedures

    def row(unit, procedure, year, month, count):
        return {
            "unit_id": unit.pk,
            "procedure_id": procedure.pk,
            "year": year,
            "month": month,
            "received_online": count,
        }

    def history(unit, procedure, year, month):
        return list(
            MonthlyFiling.history.filter(unit=unit, procedure=procedure, year=year, month=month)
            .order_by("history_id")
            .values_list("history_type", "received_online")
        )

    # A month's first figures: nothing stored in that unit-month.
    result = filings_upsert([row(a, first, 2020, 1, 4)], fields=["received_online"], source=Source.DEMO, force=True)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    # A changed figure, an unchanged one, a new one beside them, in months with figures stored.
    result = filings_upsert(
        [row(a, first, 2019, 1, 9), row(a, second, 2019, 2, 1), row(a, first, 2019, 2, 6), row(a, first, 2020, 1, 5)],
        fields=["received_online"],
        source=Source.DEMO,
        force=True,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    assert history(a, first, 2019, 1) == [("+", 0), ("~", 9)]  # the first by the factory
    assert history(a, first, 2019, 2) == [("+", 6)]
    assert history(a, first, 2020, 1) == [("+", 4), ("~", 5)]
    assert history(a, second, 2019, 2) == [("+", 1)]  # by the factory; unchanged since
    assert query(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE year = 2020") == [(f"{TABLE}_y2020",)]
    assert MonthlyFiling.objects.get(unit=a, procedure=first, year=2019, month=1).received_online == 9


def test_the_figures_per_field_too():
    unit, field = UnitFactory(code="A"), FieldFactory()
    FieldFiling.objects.create(unit=unit, field=field, year=2024, month=3, received_online=4)
    table = FieldFiling._meta.db_table
    partition_filings.convert(connection, table, this_year=THIS_YEAR)
    assert query(f"SELECT tableoid::regclass::text, received_online FROM {table}") == [(f"{table}_y2024", 4)]


def test_what_it_refuses(figures):
    partition_filings.convert(connection, TABLE, this_year=THIS_YEAR)
    with pytest.raises(partition_filings.Refused, match="already partitioned"):
        partition_filings.plan(connection, TABLE)
    query("CREATE TABLE scratch_codes (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, year int, code text)")
    query("ALTER TABLE scratch_codes ADD UNIQUE (code)")
    with pytest.raises(partition_filings.Refused, match=r"scratch_codes_code_key \(code\) does not hold year"):
        partition_filings.plan(connection, "scratch_codes")
    with pytest.raises(partition_filings.Refused, match="referenced by foreign keys"):
        partition_filings.plan(connection, "units_unit")
    with pytest.raises(partition_filings.Refused, match="not a plain table name"):
        partition_filings.plan(connection, "x; DROP TABLE y")
