"""Of two offerings of a (unit, procedure) that start in the same month, the later date's alone is in force
from then on (procedures.models.offering_start). Before, both counted in the procedure rates and either one
gave the level of that month's filings: the totals of the units that have such offerings are recomputed
from the first such month, and results reused between requests are dropped. Nothing to do (and nothing
done) where no two offerings of a procedure start in one month; `manage.py rebuild_totals` recomputes
everything, should this migration ever have to be skipped."""

from django.db import migrations
from django.db.models import Count, Min
from django.db.models.functions import ExtractMonth, ExtractYear


def recompute(apps, schema_editor):
    Offering = apps.get_model("procedures", "Offering")
    tied = (
        Offering.objects.filter(valid_from__isnull=False)
        .order_by()
        .values("unit_id", "procedure_id", year=ExtractYear("valid_from"), month=ExtractMonth("valid_from"))
        .annotate(offerings=Count("id"), first=Min("valid_from"))
        .filter(offerings__gt=1)
    )
    pairs = {(row["unit_id"], row["first"]) for row in tied}
    if not pairs:
        return
    # The services of today: this runs only on a database that holds such offerings, once.
    from reports.services import offering_totals_refresh, shared_version_renew, totals_refresh_after_offerings

    offering_totals_refresh({unit_id for unit_id, _first in pairs})
    totals_refresh_after_offerings(pairs)
    shared_version_renew()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_unit_version_path"),
        ("procedures", "0005_offering_department"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
