"""The demo's units that report per field (lĩnh vực), the rows of report form 06, as many communes did
while their one-stop software counted filings per field rather than per procedure; every page then shows
both kinds of figures side by side.

- Phường Thạch Quý and Phường Tân Giang (TP Hà Tĩnh, 436) and Phường Dư Hàng Kênh (quận Lê Chân, 305,
  Hải Phòng) report per field over all their months (July 2024 to June 2025);
- Phường Yên Tử (22.YENTU, one of the wards the 2025 reform created in Quảng Ninh) reports per procedure
  from July 2025 and per field from January 2026: a reporting mode changes from a month on, and its month
  open for entry has a grid of fields.

None of them is under Cẩm Phả, Uông Bí or Tam Kỳ, whose figures are DOMAIN.md's, nor among the units whose
statuses the demo sets apart (demo.status_plan). A unit-month reported per field holds the figures its
procedures would have had (demo.filing_plan), summed by the procedures' field: each field's rows balance
and carry over the last month's pending like the procedures' rows, and every KPI that counts both kinds
(online_rate, on_time_rate, the postal counts) stays what it was; online_rate_eligible, which needs a
procedure's online level, leaves those unit-months out and says how many. Pure, like the rest of the plan.
"""

from collections import defaultdict

from core.periods import Month
from filings.models import COUNT_FIELDS, SCORE_FIELDS, Grain

from .catalogue import procedure_catalogue
from .specs import FieldFilingSpec, FilingSpec, ReportingModeSpec

# (unit, first month per field); before it a unit reports per procedure, as every unit without a mode.
PER_FIELD_FROM = (
    ("436.THACHQUY", Month(2024, 7)),
    ("436.TANGIANG", Month(2024, 7)),
    ("11404", Month(2024, 7)),
    ("22.YENTU", Month(2026, 1)),
)


def reporting_plan() -> list[ReportingModeSpec]:
    """The reporting modes of the demo: per field from the month PER_FIELD_FROM gives each of its units."""
    return [ReportingModeSpec(unit, month, Grain.FIELD.value) for unit, month in PER_FIELD_FROM]


def _grain_in(modes: list[ReportingModeSpec]):
    """grain(unit, month): the mode in force (the latest one started by then), per procedure without one."""
    by_unit = defaultdict(list)
    for mode in modes:
        by_unit[mode.unit].append(mode)
    for unit_modes in by_unit.values():
        unit_modes.sort(key=lambda mode: mode.month)

    def grain(unit: str, month: Month) -> str:
        started = [mode.grain for mode in by_unit.get(unit, ()) if mode.month <= month]
        return started[-1] if started else Grain.PROCEDURE.value

    return grain


def split_by_grain(
    filings: list[FilingSpec], modes: list[ReportingModeSpec]
) -> tuple[list[FilingSpec], list[FieldFilingSpec]]:
    """The planned figures per procedure as the units report them: those of unit-months per procedure as
    they are, those of unit-months per field summed by the procedures' field (sorted by unit, field and
    month); a Decision 766 count sums the procedures that report it, None when none does."""
    field_of = {p.code: p.field for p in procedure_catalogue()}
    grain = _grain_in(modes)
    per_procedure = []
    sums = defaultdict(lambda: dict.fromkeys(COUNT_FIELDS, 0) | dict.fromkeys(SCORE_FIELDS))
    for filing in filings:
        if grain(filing.unit, Month(filing.year, filing.month)) != Grain.FIELD:
            per_procedure.append(filing)
            continue
        counts = sums[filing.unit, field_of[filing.procedure], filing.year, filing.month]
        for name in COUNT_FIELDS:
            counts[name] += filing.counts[name]
        for name in SCORE_FIELDS:
            value = filing.counts.get(name)
            if value is not None:
                counts[name] = (counts.get(name) or 0) + value
    per_field = [
        FieldFilingSpec(unit, field, year, month, counts) for (unit, field, year, month), counts in sorted(sums.items())
    ]
    return per_procedure, per_field
