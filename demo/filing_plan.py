"""The demo's monthly filings: the blocks of demo.field_figures spread over their units, active procedures
and months by weight (unit size, procedure popularity, season), split into the ten counts of report form
06 with plausible shares, a month's pending carried into the next, and the 848 postal returns of Cẩm Phả
put back exactly. From January 2025 the rows also carry the counts of Decision 766 (`score_counts`), each
pair of a KPI reported by most units and not by some (None: no data, never 0)."""

from collections import defaultdict

from core.periods import Month
from procedures.selectors import LevelIndex

from .arithmetic import percent_of, split_by_weights, split_capped, stable_int
from .catalogue import procedure_catalogue
from .field_figures import CAM_PHA_POSTAL_RETURNS, MONTH_WEIGHT, filing_blocks
from .specs import ONLINE, FilingSpec, OfferingSpec
from .tree import DISTRICTS, REFORM_START, centre_code, unit_tree

# Decision 766/QĐ-TTg (docs/kpis.md): the counts its index needs beyond form 06, reported from this month
# on, by KPI: each KPI's counts are reported together or not at all (filings.models.SCORE_FIELDS).
SCORES_FROM = Month(2025, 1)
SCORE_PAIRS = {
    "synced": ("synced",),
    "payment": ("fee_required", "paid_online"),
    "digitised": ("digitised",),
    "e_results": ("e_results",),
    "ratings": ("ratings", "ratings_satisfied"),
}
# Which units do not report a KPI's counts, and from when the others do. The new wards of Quảng Ninh and
# Hải Phòng's centre as written here; the units before the 2025 reform by a stable draw (SCORE_GAPS: the
# percentage of them that do not report each), and none of them ratings, which came with the reform.
NOT_REPORTED = {
    "22.MONGDUONG": ("payment",),  # no online payment at its desk yet
    "22.VANGDANH": ("ratings",),
    "22.YENTU": ("digitised", "ratings"),
}
REPORTED_FROM = {
    ("22.UONGBI", "payment"): Month(2026, 1),
    ("22.QUANGHANH", "ratings"): Month(2025, 10),
    ("31.TTHCC", "e_results"): Month(2025, 4),
}
SCORE_GAPS = {"synced": 10, "payment": 30, "digitised": 20, "e_results": 25, "ratings": 100}
_REFORM = Month.of(REFORM_START)


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


def reports_scores(unit: str, pair: str, month: Month) -> bool:
    """Whether `unit` reports the counts of the KPI `pair` (SCORE_PAIRS) in `month`."""
    if month < max(SCORES_FROM, REPORTED_FROM.get((unit, pair), SCORES_FROM)):
        return False
    if pair in NOT_REPORTED.get(unit, ()):
        return False
    if unit.startswith(("22.", "31.")):
        return True
    return month >= _REFORM or stable_int(unit, "766", pair) % 100 >= SCORE_GAPS[pair]


def score_counts(unit: str, proc: str, month: Month, counts: dict) -> dict:
    """The seven counts of Decision 766 of a row of form 06 `counts`, each at most what it counts a part of
    (filings.rules.SCORE_CEILINGS): None for a KPI the unit does not report that month."""
    # Units differ (u, steady over their months), and so do their rows (j).
    u, j = stable_int(unit, "766"), stable_int(unit, proc, month, "766")
    new = counts["received_online"] + counts["received_direct"] + counts["received_postal"]
    resolved = counts["resolved_early"] + counts["resolved_on_time"] + counts["resolved_late"]
    # About 40% of procedures are free; the others charge most of their filings a fee or a charge.
    fee_share = stable_int(proc, "fee") % 100
    fee = percent_of(new, 30 + fee_share % 71) if fee_share >= 40 else 0
    ratings = percent_of(resolved, 5 + (j >> 16) % 21)
    planned = {
        # The online filings always reach the national portal; some of the desk's do not.
        "synced": new - percent_of(new - counts["received_online"], u % 20 + j % 6),
        "fee_required": fee,
        "paid_online": percent_of(fee, 15 + (u >> 5) % 40 + (j >> 4) % 21),
        "digitised": percent_of(new, 50 + (u >> 10) % 30 + (j >> 8) % 21),
        "e_results": percent_of(resolved, 35 + (u >> 15) % 40 + (j >> 12) % 21),
        "ratings": ratings,
        "ratings_satisfied": ratings - percent_of(ratings, (u >> 20) % 6 + (j >> 22) % 5),
    }
    for pair, names in SCORE_PAIRS.items():
        if not reports_scores(unit, pair, month):
            for name in names:
                planned[name] = None
    return planned


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
            if month >= SCORES_FROM:
                counts.update(score_counts(unit, proc, month, counts))
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
