"""Synthetic data of national shape for benchmarks: provinces with communes directly below them (the
two-tier tree since 1 July 2025), a catalog of procedures, offerings and monthly figures.

Generated units have codes starting with `GEN` so that they never mix with real or demo units, and a new
run replaces the previous generated data. Figures go through filings_upsert like every other write.
"""

import random
from dataclasses import dataclass

from django.db import transaction

from core.periods import Month
from filings.models import MonthlyFiling
from filings.services import Source, filings_upsert
from procedures.models import AuthorityLevel, Offering, Procedure, ServiceLevel
from units.models import Unit, UnitKind
from units.services import units_rebuild_paths

PREFIX = "GEN"
PROCEDURE_PREFIX = "GEN."


@dataclass
class DatasetSize:
    provinces: int
    communes: int
    procedures: int
    offerings: int
    filings: int


def _province_code(i):
    return f"{PREFIX}{i + 1:02d}"


def _commune_code(province_code, j):
    return f"{province_code}.{j + 1:04d}"


def dataset_remove():
    """Delete what a previous run generated (figures, history, offerings, units, procedures)."""
    units = Unit.objects.filter(code__startswith=PREFIX)
    MonthlyFiling.history.filter(unit__code__startswith=PREFIX).delete()
    MonthlyFiling.objects.filter(unit__in=units).delete()
    Offering.history.filter(unit__code__startswith=PREFIX).delete()
    Offering.objects.filter(unit__in=units).delete()
    # Children first: the parent link protects against deleting a unit with units below it.
    units.filter(parent__isnull=False).delete()
    units.delete()
    Procedure.objects.filter(code__startswith=PROCEDURE_PREFIX).delete()


def dataset_generate(*, communes=3321, provinces=34, procedures=150, year=2025, months=12, seed=1,
                     progress=None) -> DatasetSize:
    """Replace the generated data by a new set of the given size; returns what was written."""
    rng = random.Random(seed)
    last = Month(year, months)  # validates the month
    say = progress or (lambda message: None)
    with transaction.atomic():
        dataset_remove()
        province_units = Unit.objects.bulk_create(
            [Unit(code=_province_code(i), name=f"Tỉnh thử nghiệm {i + 1}", kind=UnitKind.PROVINCE)
             for i in range(provinces)]
        )
        commune_units = []
        for j in range(communes):
            province = province_units[j % provinces]
            commune_units.append(
                Unit(code=_commune_code(province.code, j // provinces), name=f"Xã thử nghiệm {j + 1}",
                     kind=UnitKind.COMMUNE, parent=province)
            )
        commune_units = Unit.objects.bulk_create(commune_units, batch_size=2000)
        units_rebuild_paths()
        say(f"units: {provinces} provinces, {communes} communes")

        catalog = Procedure.objects.bulk_create(
            [Procedure(code=f"{PROCEDURE_PREFIX}{k + 1:06d}", name=f"Thủ tục thử nghiệm {k + 1}",
                       field="Thử nghiệm", level=AuthorityLevel.COMMUNE) for k in range(procedures)]
        )
        levels = [ServiceLevel.FULL, ServiceLevel.PARTIAL, ServiceLevel.NONE]
        # Each procedure has a national popularity; each commune a propensity to file online.
        popularity = [rng.paretovariate(1.2) for _ in catalog]
        offered = {}
        offerings = []
        for unit in commune_units:
            for procedure in catalog:
                level = rng.choices(levels, weights=(45, 35, 20))[0]
                offered[unit.pk, procedure.pk] = level
                offerings.append(Offering(unit=unit, procedure=procedure, service_level=level))
        Offering.objects.bulk_create(offerings, batch_size=5000)
        say(f"offerings: {len(offerings)}")

        total = 0
        for month in range(1, last.month + 1):
            rows = []
            for index, unit in enumerate(commune_units):
                propensity = rng.uniform(0.1, 0.7)
                for procedure, weight in zip(catalog, popularity):
                    new = int(rng.expovariate(1 / (4 * weight)))
                    if new == 0:
                        continue
                    online = int(new * propensity) if offered[unit.pk, procedure.pk] != ServiceLevel.NONE else 0
                    postal = int(new * 0.02)
                    direct = new - online - postal
                    pending = new // 10
                    resolved = new - pending
                    late = resolved // 25
                    early = resolved // 2
                    rows.append({
                        "unit_id": unit.pk, "procedure_id": procedure.pk, "year": year, "month": month,
                        "carried_over": 0, "received_online": online, "received_direct": direct,
                        "received_postal": postal, "resolved_early": early,
                        "resolved_on_time": resolved - early - late, "resolved_late": late,
                        "pending_on_time": pending, "pending_overdue": 0, "returned_postal": postal // 2,
                    })
                if len(rows) >= 50_000 or index == len(commune_units) - 1:
                    filings_upsert(rows, source=Source.DEMO, note="generate_dataset")
                    total += len(rows)
                    rows = []
            say(f"filings up to {year}-{month:02d}: {total}")
    return DatasetSize(provinces, communes, procedures, len(offerings), total)
