"""The whole demo on a given day, as plain specs (demo.specs): `build_plan(today)` puts together the unit
tree, the catalogue, the offerings, the monthly figures up to the month before `today` (per procedure, and
per field for the units and months of demo.reporting_plan), the reporting modes and the statuses of that
day. Pure and deterministic: it reads nothing from the database, and two builds for the same day are
equal; demo.seeding writes a plan."""

import datetime

from core.periods import Month

from .catalogue import procedure_catalogue
from .field_figures import target_plan
from .filing_plan import filing_plan
from .offering_plan import offering_plan
from .reporting_plan import reporting_plan, split_by_grain
from .specs import DemoPlan
from .status_plan import NOT_YET_ENTERED, last_reported_month, open_month, status_plan
from .tree import unit_tree


def build_plan(today: datetime.date) -> DemoPlan:
    """The whole demo on `today`, as specs; pure (reads nothing from the database)."""
    offerings, active = offering_plan()
    filings = filing_plan(last_reported_month(today), offerings, active)
    open_ = open_month(today)
    if open_:
        filings = [f for f in filings if not (f.unit in NOT_YET_ENTERED and Month(f.year, f.month) == open_)]
    modes = reporting_plan()
    filings, field_filings = split_by_grain(filings, modes)
    return DemoPlan(
        units=unit_tree(),
        procedures=procedure_catalogue(),
        offerings=offerings,
        filings=filings,
        field_filings=field_filings,
        reporting_modes=modes,
        targets=target_plan(),
        unit_months=status_plan([*filings, *field_filings], today),
        open_month=open_,
    )
