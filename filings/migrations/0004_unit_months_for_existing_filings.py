"""Figures stored before the workflow existed belong to a unit-month too: give each one a draft row, so
that completeness does not call them missing and the lock and version checks find a row."""

from django.db import migrations


def create_unit_months(apps, schema_editor):
    MonthlyFiling = apps.get_model("filings", "MonthlyFiling")
    UnitMonth = apps.get_model("filings", "UnitMonth")
    keys = MonthlyFiling.objects.order_by().values_list("unit_id", "year", "month").distinct()
    UnitMonth.objects.bulk_create(
        (UnitMonth(unit_id=unit_id, year=year, month=month, status="draft", version=1)
         for unit_id, year, month in keys.iterator()),
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("filings", "0003_unitmonth_entryexception")]

    operations = [migrations.RunPython(create_unit_months, migrations.RunPython.noop)]
