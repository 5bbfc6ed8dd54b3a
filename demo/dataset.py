"""Synthetic data of national shape for benchmarks: provinces with communes directly below them (the
two-tier tree since 1 July 2025), a catalogue of procedures, offerings and monthly figures.

Generated units have codes starting with `GEN` (procedures `GEN.`) so that they never mix with real or
demo units. A new run replaces the previous generated data: like seed_demo it writes an upsert through the
write services (units_upsert, procedures_upsert, offerings_upsert, filings_upsert), then removes what the
new set no longer holds through theirs (filings_delete, offerings_write, units_delete, procedures_delete).
Running it again with the same options therefore writes nothing, and its audit trail does not grow; other
options change only what differs, every change with its history row.
"""

import random
from dataclasses import dataclass
from itertools import batched

from django.db import connection, transaction
from django.db.models import Q

from core.periods import Month
from filings.models import MonthlyFiling
from filings.services import Source, filings_delete, filings_upsert
from procedures.models import AuthorityLevel, Offering, Procedure, ServiceLevel
from procedures.services import offerings_upsert, offerings_write, procedures_delete, procedures_upsert
from reports.services import versions_compact
from units.models import Unit, UnitKind
from units.services import units_delete, units_upsert

PREFIX = "GEN"
PROCEDURE_PREFIX = "GEN."
NOTE = "generate_dataset"
REASON = f"{Source.DEMO}: {NOTE}"  # as filings_upsert records Source.DEMO with this note
# Figures are generated and written a chunk of communes at a time, to keep memory flat at national size.
CHUNK_ROWS = 50_000


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


def _unit_rows(provinces, communes):
    """The generated units, provinces first: commune j lies in province j mod `provinces`."""
    rows = [
        {"code": _province_code(i), "name": f"Tỉnh thử nghiệm {i + 1}", "kind": UnitKind.PROVINCE, "parent_code": None}
        for i in range(provinces)
    ]
    for j in range(communes):
        province = _province_code(j % provinces)
        rows.append(
            {
                "code": _commune_code(province, j // provinces),
                "name": f"Xã thử nghiệm {j + 1}",
                "kind": UnitKind.COMMUNE,
                "parent_code": province,
            }
        )
    return rows


def _remove_what_is_no_longer_generated(unit_codes, procedure_codes, year, months):
    """Remove generated rows outside the new set: units and procedures it no longer has, with their
    figures and offerings, and figures of months it does not cover. Set-based, whatever the size."""
    generated = Q(unit__code__startswith=PREFIX)
    stale_units = Unit.objects.filter(code__startswith=PREFIX).exclude(code__in=unit_codes)
    outside = Q(unit__in=stale_units) | ~Q(procedure__code__in=procedure_codes)
    filings_delete(
        MonthlyFiling.objects.filter(generated & (outside | ~Q(year=year, month__lte=months))),
        source=Source.DEMO,
        force=True,
    )
    offerings_write(delete=Offering.objects.filter(generated & (outside | Q(valid_from__isnull=False))), reason=REASON)
    units_delete(stale_units, reason=REASON)
    procedures_delete(
        Procedure.objects.filter(code__startswith=PROCEDURE_PREFIX).exclude(code__in=procedure_codes),
        reason=REASON,
    )


def _write_figures(rows, unit_ids, year, month):
    """Write one chunk of a month's figures, after removing the stored figures of its communes in that
    month that the new set does not have (a commune-procedure without filings this time). Read before
    the write, so that a first run reads nothing back."""
    written = {(row["unit_id"], row["procedure_id"]) for row in rows}
    stale = [
        pk
        for pk, unit_id, procedure_id in MonthlyFiling.objects.filter(unit_id__in=unit_ids, year=year, month=month)
        .order_by()
        .values_list("pk", "unit_id", "procedure_id")
        .iterator(chunk_size=CHUNK_ROWS)
        if (unit_id, procedure_id) not in written
    ]
    for batch in batched(stale, 5000):
        filings_delete(MonthlyFiling.objects.filter(pk__in=batch), source=Source.DEMO, force=True)
    filings_upsert(rows, source=Source.DEMO, note=NOTE, force=True)


def dataset_generate(
    *, communes=3321, provinces=34, procedures=150, year=2025, months=12, seed=1, progress=None
) -> DatasetSize:
    """Replace the generated data by a new set of the given size; returns the size of the set."""
    rng = random.Random(seed)
    last = Month(year, months)  # validates the month
    say = progress or (lambda message: None)
    unit_rows = _unit_rows(provinces, communes)
    procedure_rows = [
        {
            "code": f"{PROCEDURE_PREFIX}{k + 1:06d}",
            "name": f"Thủ tục thử nghiệm {k + 1}",
            "field": "Thử nghiệm",
            "level": AuthorityLevel.COMMUNE,
        }
        for k in range(procedures)
    ]
    with transaction.atomic():
        _remove_what_is_no_longer_generated(
            [row["code"] for row in unit_rows], [row["code"] for row in procedure_rows], year, last.month
        )
        units_upsert(unit_rows, reason=REASON)
        unit_ids = dict(Unit.objects.filter(code__startswith=PREFIX).values_list("code", "pk"))
        commune_units = [unit_ids[row["code"]] for row in unit_rows[provinces:]]
        say(f"units: {provinces} provinces, {communes} communes")

        procedures_upsert(procedure_rows, reason=REASON)
        procedure_ids = dict(Procedure.objects.filter(code__startswith=PROCEDURE_PREFIX).values_list("code", "pk"))
        catalogue = [procedure_ids[row["code"]] for row in procedure_rows]
        levels = [ServiceLevel.FULL, ServiceLevel.PARTIAL, ServiceLevel.NONE]
        # Each procedure has a national popularity; each commune a propensity to file online.
        popularity = [rng.paretovariate(1.2) for _ in catalogue]
        offered = {}
        for unit_id in commune_units:
            for procedure_id in catalogue:
                offered[unit_id, procedure_id] = rng.choices(levels, weights=(45, 35, 20))[0]
        offerings_upsert(
            [
                {"unit_id": unit_id, "procedure_id": procedure_id, "valid_from": None, "service_level": level}
                for (unit_id, procedure_id), level in offered.items()
            ],
            reason=REASON,
        )
        say(f"offerings: {len(offered)}")

        total = 0
        for month in range(1, last.month + 1):
            rows, chunk_units = [], []
            for index, unit_id in enumerate(commune_units):
                propensity = rng.uniform(0.1, 0.7)
                chunk_units.append(unit_id)
                for procedure_id, weight in zip(catalogue, popularity, strict=True):
                    new = int(rng.expovariate(1 / (4 * weight)))
                    if new == 0:
                        continue
                    online = int(new * propensity) if offered[unit_id, procedure_id] != ServiceLevel.NONE else 0
                    postal = int(new * 0.02)
                    direct = new - online - postal
                    pending = new // 10
                    resolved = new - pending
                    late = resolved // 25
                    early = resolved // 2
                    rows.append(
                        {
                            "unit_id": unit_id,
                            "procedure_id": procedure_id,
                            "year": year,
                            "month": month,
                            "carried_over": 0,
                            "received_online": online,
                            "received_direct": direct,
                            "received_postal": postal,
                            "resolved_early": early,
                            "resolved_on_time": resolved - early - late,
                            "resolved_late": late,
                            "pending_on_time": pending,
                            "pending_overdue": 0,
                            "returned_postal": postal // 2,
                        }
                    )
                if len(rows) >= CHUNK_ROWS or index == len(commune_units) - 1:
                    _write_figures(rows, chunk_units, year, month)
                    total += len(rows)
                    rows, chunk_units = [], []
            say(f"filings up to {year}-{month:02d}: {total}")
    # The planner's statistics of the tables just filled: autovacuum gathers them only some minutes later,
    # and until then a province's page plans its reads as for empty tables (over gunicorn's 30 s).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    versions_compact()
    return DatasetSize(provinces, communes, procedures, len(offered), total)
