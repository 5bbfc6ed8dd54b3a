"""The field figures of DOMAIN.md that the demo reproduces (docs/kpis.md), as blocks of new filings with
exact totals, the plausible figures of the other units and months around them, and the targets the field
reports set.

- Cẩm Phả (195), 2019-01..2019-07: its Public Administration Centre 929 / 3553 online filings over filings
  of procedures offered online, 248 / 301 procedures offered online; its 16 wards and communes together
  2916 / 10717, so the city 3845 / 14270; 848 results returned by post over the city.
- Uông Bí (196), 2018: centre 282 / 300 procedures online; the city 1500 / 7400 online filings.
- Tam Kỳ (502), 2023: Q1 6705 / 13796 online (48.60%); Q2 1373 online, June alone 43 / 2150 (2.00%).

The procedure counts (301, 300, 96 per ward) are the offerings' (demo.offering_plan, demo.tree); the blocks
are spread over units, procedures and months by demo.filing_plan. ("Field figures" are figures from the
field reports; the figures per field, lĩnh vực, of the wards that report so are demo.reporting_plan's.)
"""

from dataclasses import dataclass
from decimal import Decimal

from core.periods import Month

from .arithmetic import months_between, stable_int
from .specs import TargetSpec
from .tree import DEPARTMENTS, DISTRICTS, NEW_COMMUNES, PROVINCE_CENTRE, centre_code, department_code

# Relative filing volume by calendar month (Tết falls in January or February).
MONTH_WEIGHT = {1: 11, 2: 7, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 9, 9: 9, 10: 10, 11: 10, 12: 11}

# Cẩm Phả returned 848 results by post from January to July 2019, over its centre and wards.
CAM_PHA_POSTAL_RETURNS = 848


@dataclass(frozen=True)
class Block:
    """New filings of some units over some months with exact totals: `eligible_new` on procedures offered
    online in the month (of which `online` were filed online) and `other_new` on the others."""

    units: tuple[str, ...]
    months: tuple[Month, ...]
    eligible_new: int
    online: int
    other_new: int


def _monthly_blocks(units, first: Month, last: Month, *, volume, share_from, share_to, other_pct) -> list[Block]:
    """One block per month: about `volume` new filings a month (seasonal), `other_pct` % of them on procedures
    not offered online, and an online share of the rest moving from `share_from` to `share_to` %."""
    months = months_between(first, last)
    blocks = []
    for i, month in enumerate(months):
        new = volume * MONTH_WEIGHT[month.month] * (95 + stable_int(units[0], month) % 11) // 1000
        other = new * other_pct // 100
        share = share_from + (share_to - share_from) * i // max(len(months) - 1, 1)
        blocks.append(Block(tuple(units), (month,), new - other, (new - other) * share // 100, other))
    return blocks


# Tam Kỳ, 2023: (new filings, of which online) per month. Q1: 6705 / 13796 = 48.60%. In April the city
# switched to new one-stop software: Q2 has 1373 online filings and June alone 43 / 2150 = 2.00%. The
# published Q2 rate (41.21%) cannot be reconciled with June's 2% on the same base (it would leave April
# and May fewer filings than online filings), so the demo keeps the counts and June's rate, with April and
# May at about 48% on the lower volumes the new software recorded.
TAM_KY_2023 = {
    1: (4870, 2367),
    2: (3980, 1934),
    3: (4946, 2404),
    4: (1450, 700),
    5: (1321, 630),
    6: (2150, 43),
    7: (4620, 2180),
    8: (4710, 2290),
    9: (4480, 2170),
    10: (4790, 2340),
    11: (4650, 2250),
    12: (5020, 2420),
}


def filing_blocks(last: Month) -> list[Block]:
    """Every block of new filings, up to `last` (the demo never writes a month after it)."""
    by_code = {d.code: d for d in DISTRICTS}

    def communes(code):
        return tuple(c for c, _name in by_code[code].communes)

    def centre(code):
        return (centre_code(code),)

    def ym(year, month):
        return Month(year, month)

    cam_pha_window = tuple(months_between(ym(2019, 1), ym(2019, 7)))
    blocks = [
        # The field figures of Cẩm Phả, January to July 2019.
        Block(centre("195"), cam_pha_window, 3553, 929, 640),
        Block(communes("195"), cam_pha_window, 10717, 2916, 1900),
        # Uông Bí, 2018: 1500 of 7400 new filings online, over the centre and the wards.
        Block(centre("196"), tuple(months_between(ym(2018, 1), ym(2018, 12))), 3000, 700, 400),
        Block(communes("196"), tuple(months_between(ym(2018, 1), ym(2018, 12))), 3500, 800, 500),
    ]
    tam_ky = centre("502") + communes("502")
    for month, (new, online) in TAM_KY_2023.items():
        other = new // 10
        blocks.append(Block(tam_ky, (ym(2023, month),), new - other, online, other))

    plausible = [
        (centre("195"), ym(2019, 8), ym(2019, 12), 520, 28, 33, 12),
        (communes("195"), ym(2019, 8), ym(2019, 12), 1550, 27, 31, 15),
        (centre("195"), ym(2025, 1), ym(2025, 6), 560, 45, 55, 7),
        (communes("195"), ym(2025, 1), ym(2025, 6), 1700, 42, 52, 8),
        (centre("196"), ym(2025, 1), ym(2025, 6), 420, 45, 55, 7),
        (communes("196"), ym(2025, 1), ym(2025, 6), 600, 40, 50, 8),
        (centre("436"), ym(2024, 7), ym(2025, 6), 380, 35, 50, 10),
        (communes("436"), ym(2024, 7), ym(2025, 6), 900, 30, 45, 10),
        (centre("303"), ym(2024, 7), ym(2025, 6), 450, 35, 50, 10),
        (communes("303"), ym(2024, 7), ym(2025, 6), 600, 30, 45, 10),
        (centre("305"), ym(2024, 7), ym(2025, 6), 430, 33, 48, 10),
        (communes("305"), ym(2024, 7), ym(2025, 6), 560, 28, 44, 10),
        ((PROVINCE_CENTRE.code,), ym(2024, 7), last, 2200, 40, 60, 10),
        (tuple(code for code, _n, _o in NEW_COMMUNES), ym(2025, 7), last, 3200, 45, 60, 5),
    ]
    for units, first, end, volume, share_from, share_to, other_pct in plausible:
        blocks += _monthly_blocks(
            units,
            first,
            min(end, last),
            volume=volume,
            share_from=share_from,
            share_to=share_to,
            other_pct=other_pct,
        )
    return [b for b in blocks if b.months and max(b.months) <= last]


def target_plan() -> list[TargetSpec]:
    """The targets the field reports set (Cẩm Phả 2019, Uông Bí 2018, Tam Kỳ 2023, ...), one for Cẩm Phả's
    departments in 2019, and those of the province and its new communes for 2026."""
    cam_pha = ["195", centre_code("195")] + [code for code, _name in DISTRICTS[0].communes]
    targets = []
    for code in cam_pha:
        targets += [
            TargetSpec(code, 2019, "online_rate_eligible", Decimal(30)),
            TargetSpec(code, 2019, "procedures_online_rate", Decimal(80)),
        ]
    # Cẩm Phả's departments, ranked on its centre's filings by the procedures they are responsible for:
    # the demo's own target (the field reports give the departments none).
    targets += [
        TargetSpec(department_code("195", suffix), 2019, "online_rate", Decimal(15)) for suffix, _ in DEPARTMENTS
    ]
    targets += [
        TargetSpec("196", 2018, "online_rate", Decimal(20)),
        TargetSpec(centre_code("196"), 2018, "procedures_online_rate", Decimal(80)),
        TargetSpec("502", 2023, "online_rate", Decimal(50)),
        TargetSpec("436", 2024, "online_rate_eligible", Decimal(50)),
        TargetSpec("31", 2026, "online_rate", Decimal(50)),
    ]
    for code in ["22"] + [code for code, _name, _old in NEW_COMMUNES]:
        targets += [
            TargetSpec(code, 2026, "online_rate", Decimal(50)),
            TargetSpec(code, 2026, "online_rate_eligible", Decimal(60)),
            TargetSpec(code, 2026, "procedures_online_rate", Decimal(90)),
            TargetSpec(code, 2026, "on_time_rate", Decimal("98.5")),
        ]
    return targets
