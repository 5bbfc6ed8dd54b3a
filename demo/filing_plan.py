"""The demo's monthly filings: the blocks of demo.field_figures spread over their units, active procedures
and months by weight (unit size, procedure popularity, season), split into the ten counts of report form
06 with plausible shares, a month's pending carried into the next, and the 848 postal returns of Cẩm Phả
put back exactly."""

from collections import defaultdict

from core.periods import Month
from procedures.selectors import LevelIndex

from .arithmetic import percent_of, split_by_weights, split_capped, stable_int
from .catalogue import procedure_catalogue
from .field_figures import CAM_PHA_POSTAL_RETURNS, MONTH_WEIGHT, filing_blocks
from .specs import ONLINE, FilingSpec, OfferingSpec
from .tree import DISTRICTS, centre_code, unit_tree


def _unit_weight(code: str, name: str) -> int:
    """Relative filing volume of a unit: rural communes (xã) file fewer than urban wards."""
    return (3 + stable_int(code) % 3) if name.startswith("Xã") else (8 + stable_int(code) % 7)


def _new_filings(blocks, active, levels: LevelIndex, popularity, propensity, unit_weight):
    """{(unit, procedure): {month: (online, new)}}: each block's totals spread over its cells by weight."""
    cells = defaultdict(dict)
    for block in blocks:
        eligible, other = [], []
        for unit in block.units:
            for proc in active[unit]:
                for month in block.months:
                    cell = (unit, proc, month)
                    (eligible if levels.level(unit, proc, month.year, month.month) in ONLINE else other).append(cell)

        def weight(cell):
            unit, proc, month = cell
            return unit_weight[unit] * popularity[proc] * MONTH_WEIGHT[month.month]

        eligible_new = split_by_weights(block.eligible_new, [weight(c) for c in eligible])
        other_new = split_by_weights(block.other_new, [weight(c) for c in other])
        # Units differ in how much they push online filing (75-125% of the average).
        online = split_capped(
            block.online,
            [
                n * propensity[c[1]] * (75 + stable_int(c[0], "push") % 51)
                for c, n in zip(eligible, eligible_new, strict=True)
            ],
            eligible_new,
        )
        for (unit, proc, month), new, on in zip(eligible, eligible_new, online, strict=True):
            if month in cells[unit, proc]:
                raise ValueError(f"blocks overlap at {unit} {proc} {month}")
            cells[unit, proc][month] = (on, new)
        for (unit, proc, month), new in zip(other, other_new, strict=True):
            if month in cells[unit, proc]:
                raise ValueError(f"blocks overlap at {unit} {proc} {month}")
            cells[unit, proc][month] = (0, new)
    return cells


def _filing_counts(unit, proc, month, carried, online, new) -> dict:
    """The ten counts of one month: carried over + new = resolved + pending, with plausible splits."""
    j = stable_int(unit, proc, month)
    offline = new - online
    postal = percent_of(offline, j % 4)
    total = carried + new
    pending = percent_of(total, 5 + j % 6)
    resolved = total - pending
    late = percent_of(resolved, 1 + (j >> 3) % 8)
    early = percent_of(resolved - late, 35 + (j >> 6) % 31)
    overdue = percent_of(pending, 10 + (j >> 11) % 21)
    return {
        "carried_over": carried,
        "received_online": online,
        "received_direct": offline - postal,
        "received_postal": postal,
        "resolved_early": early,
        "resolved_on_time": resolved - late - early,
        "resolved_late": late,
        "pending_on_time": pending - overdue,
        "pending_overdue": overdue,
        "returned_postal": percent_of(resolved, (j >> 16) % 5),
    }


def filing_plan(last: Month, offerings: list[OfferingSpec], active: dict[str, list[str]]) -> list[FilingSpec]:
    """The monthly filings of every block up to `last`, on the `active` procedures of each unit, at the
    levels `offerings` give them in each month."""
    catalogue = {p.code: p for p in procedure_catalogue()}
    popularity = {code: p.popularity for code, p in catalogue.items()}
    propensity = {code: max(p.propensity, 5) for code, p in catalogue.items()}
    unit_weight = {u.code: _unit_weight(u.code, u.name) for u in unit_tree()}
    unit_weight.update({centre_code(d.code): 40 for d in DISTRICTS})
    levels = LevelIndex((o.unit, o.procedure, o.valid_from, o.service_level) for o in offerings)
    cells = _new_filings(filing_blocks(last), active, levels, popularity, propensity, unit_weight)

    filings = []
    for (unit, proc), months in sorted(cells.items()):
        previous, pending = None, 0
        for month in sorted(months):
            online, new = months[month]
            # A cell carries over last month's pending; the first month of a run starts from a small backlog.
            if previous is not None and month.index == previous.index + 1:
                carried = pending
            else:
                carried = percent_of(new, 3 + stable_int(unit, proc, month, "backlog") % 6)
            previous = month
            if carried + new == 0:
                pending = 0
                continue
            counts = _filing_counts(unit, proc, month, carried, online, new)
            pending = counts["pending_on_time"] + counts["pending_overdue"]
            filings.append(FilingSpec(unit, proc, month.year, month.month, counts))
    _fix_postal_returns(filings)
    return filings


def _fix_postal_returns(filings: list[FilingSpec]) -> None:
    """Cẩm Phả returned CAM_PHA_POSTAL_RETURNS results by post from January to July 2019, over its centre
    and wards, weighted by what each filing resolved (never more than it resolved)."""
    city = {centre_code("195")} | {code for code, _name in DISTRICTS[0].communes}
    window = [f for f in filings if f.unit in city and f.year == 2019 and f.month <= 7]
    resolved = [f.counts["resolved_early"] + f.counts["resolved_on_time"] + f.counts["resolved_late"] for f in window]
    returns = split_capped(
        CAM_PHA_POSTAL_RETURNS,
        [r * (1 + stable_int(f.unit, f.procedure, f.month) % 5) for f, r in zip(window, resolved, strict=True)],
        resolved,
    )
    for f, returned in zip(window, returns, strict=True):
        f.counts["returned_postal"] = returned
