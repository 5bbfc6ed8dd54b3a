"""The demo's periodic indicators (directing.Indicator) and their values, planned without the database:
four yearly indicators of digital transformation, as Tam Kỳ tracked them in 2019 (701 of 907 official
mail accounts in use, about 50,200 fixed broadband lines, 13 of 13 communes issuing e-receipts, 13,500
smart-banking accounts), and the city's lower figures of 2018, so that a trend shows. The city reports
them itself (its own value), for its 13 wards and communes of the time; the demo tree has six of them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

TAM_KY = "502"


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    measure: str
    periodicity: str
    denominator: str = ""
    description: str = ""
    position: int = 0


@dataclass(frozen=True)
class IndicatorValueSpec:
    indicator: str
    unit: str
    period_start: datetime.date
    value: Decimal
    denominator: Decimal | None = None
    note: str = ""


INDICATORS = (
    IndicatorSpec(
        "official_mail",
        "Tài khoản thư điện tử công vụ đang sử dụng",
        "tài khoản",
        "year",
        denominator="tài khoản được cấp",
        description="Số tài khoản thư điện tử công vụ cán bộ, công chức đang sử dụng trên số tài khoản được cấp.",
        position=10,
    ),
    IndicatorSpec(
        "broadband",
        "Thuê bao Internet băng rộng cố định",
        "thuê bao",
        "year",
        description="Số thuê bao Internet băng rộng cố định trên địa bàn.",
        position=20,
    ),
    IndicatorSpec(
        "e_receipts",
        "Xã, phường sử dụng biên lai điện tử",
        "xã, phường",
        "year",
        denominator="xã, phường",
        description="Số xã, phường thu phí, lệ phí bằng biên lai điện tử trên tổng số xã, phường.",
        position=30,
    ),
    IndicatorSpec(
        "smart_banking",
        "Tài khoản ngân hàng điện tử (smart banking)",
        "tài khoản",
        "year",
        description="Số tài khoản ngân hàng điện tử (smart banking) của người dân trên địa bàn.",
        position=40,
    ),
)

# Tam Kỳ's figures by year: (value, denominator or None).
TAM_KY_FIGURES = {
    2018: {
        "official_mail": (612, 885),
        "broadband": (46_100, None),
        "e_receipts": (9, 13),
        "smart_banking": (9_800, None),
    },
    2019: {
        "official_mail": (701, 907),
        "broadband": (50_200, None),
        "e_receipts": (13, 13),
        "smart_banking": (13_500, None),
    },
}


def indicator_plan() -> list[IndicatorValueSpec]:
    """Tam Kỳ's values of the demo's indicators, by year."""
    return [
        IndicatorValueSpec(
            indicator=code,
            unit=TAM_KY,
            period_start=datetime.date(year, 1, 1),
            value=Decimal(value),
            denominator=None if denominator is None else Decimal(denominator),
            note=f"Báo cáo chuyển đổi số năm {year}",
        )
        for year, figures in TAM_KY_FIGURES.items()
        for code, (value, denominator) in figures.items()
    ]
