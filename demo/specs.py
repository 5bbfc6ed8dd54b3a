"""The plain specs a demo plan is made of: what the writing (demo.seeding) hands to the write services,
keyed by codes (and fields by their name) rather than database ids, so that the plan is built without
reading the database."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from core.periods import Month
from procedures.models import ServiceLevel

FULL, PARTIAL, NONE = ServiceLevel.FULL.value, ServiceLevel.PARTIAL.value, ServiceLevel.NONE.value
ONLINE = {FULL, PARTIAL}


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    field: str
    level: str
    popularity: int = 1  # relative volume of filings
    propensity: int = 20  # how readily citizens file it online, in percent
    level_2019: str = PARTIAL  # service level in the pre-reform catalogues
    level_2025: str = FULL  # service level at the communes created by the 2025 reform


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    successors: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferingSpec:
    unit: str
    procedure: str
    service_level: str
    valid_from: datetime.date | None = None
    department: str | None = None  # the code of the department responsible for it (demo.offering_plan)


@dataclass(frozen=True)
class FilingSpec:
    unit: str
    procedure: str
    year: int
    month: int
    counts: dict  # COUNT_FIELDS -> int; from 2025 also SCORE_FIELDS -> int or None (not reported)


@dataclass(frozen=True)
class FieldFilingSpec:
    """A unit's figures of one field (lĩnh vực, by the name the catalogue gives it) in one month: a row of
    report form 06 as a unit reporting per field files it."""

    unit: str
    field: str
    year: int
    month: int
    counts: dict  # COUNT_FIELDS -> int, SCORE_FIELDS -> int or None (not reported)


@dataclass(frozen=True)
class ReportingModeSpec:
    """From `month` on, `unit` reports per procedure or per field (filings.models.Grain)."""

    unit: str
    month: Month
    grain: str


@dataclass(frozen=True)
class TargetSpec:
    unit: str
    year: int
    kpi: str
    target: Decimal


@dataclass(frozen=True)
class UnitMonthSpec:
    """The status a unit-month has in the demo; an approved one with the day it was submitted and decided."""

    unit: str
    month: Month
    status: str
    reason: str = ""  # why it was returned
    submitted_at: datetime.datetime | None = None
    decided_at: datetime.datetime | None = None


@dataclass(frozen=True)
class DemoPlan:
    units: list[UnitSpec]
    procedures: list[ProcedureSpec]
    offerings: list[OfferingSpec]
    filings: list[FilingSpec]  # figures per procedure
    field_filings: list[FieldFilingSpec]  # figures per field (demo.reporting_plan)
    reporting_modes: list[ReportingModeSpec]
    targets: list[TargetSpec]
    unit_months: list[UnitMonthSpec]
    open_month: Month | None  # the month with figures that is still open for entry
