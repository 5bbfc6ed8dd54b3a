"""The demo data of `manage.py seed_demo`: real units and procedures carrying the field figures of DOMAIN.md.

The module has two halves. `build_plan()` is pure: it returns the units, procedures, offerings, monthly
filings and targets as plain specs, deterministically (counts are split over integer weights with the
largest-remainder method, and the weights come from a CRC of stable keys, never from a random generator),
so two runs plan the same rows. `seed_demo()` is the one service that writes a plan, in one transaction,
as an upsert: running it again changes nothing, and rows of the demo units that are no longer planned are
removed. Filings go through `filings.services.filings_upsert`, the write path of all figures.

The plan depends on the day it is built for (`today`): figures stop at the month before, and the
statuses are those of a working province on that day (`status_plan`): every month past its entry
deadline approved, except a few submitted months waiting for a leader and one returned to its clerk; the
month still open for entry partly entered (drafts), nothing yet from some units, the demo clerks' among
them. Statuses change only through the transitions of `filings.workflow`, so a run a month later moves
the demo on (last month's drafts and waiting months approved, the new month's work planned) with every
change in the history.

The figures that must come out exactly (through `reports.selectors.kpis_for`):
- Cẩm Phả (195), 2019-01..2019-07: its Public Administration Centre 929 / 3553 online filings over filings
  of procedures offered online, 248 / 301 procedures offered online; its 16 wards and communes together
  2916 / 10717, so the city 3845 / 14270; 848 results returned by post over the city.
- Uông Bí (196), 2018: centre 282 / 300 procedures online; the city 1500 / 7400 online filings.
- Tam Kỳ (502), 2023: Q1 6705 / 13796 online (48.60%); Q2 1373 online, June alone 43 / 2150 (2.00%).
"""

import datetime
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from core.periods import Month
from filings.models import COUNT_FIELDS, MonthlyFiling, UnitMonth, UnitMonthStatus
from filings.workflow import entry_deadline
from procedures.models import AuthorityLevel, Offering, Procedure, ServiceLevel
from procedures.selectors import LevelIndex
from reports.models import Target
from units.models import Unit, UnitKind

FULL, PARTIAL, NONE = ServiceLevel.FULL.value, ServiceLevel.PARTIAL.value, ServiceLevel.NONE.value
ONLINE = {FULL, PARTIAL}

# The 2025 reform: the district level ends on 30 June 2025 and the merged communes start on 1 July.
REFORM_END = datetime.date(2025, 6, 30)
REFORM_START = datetime.date(2025, 7, 1)
# Decree 42/2022/NĐ-CP took effect in 2022; the demo upgrades part of the offline procedures then.
UPGRADE_DATE = datetime.date(2022, 7, 1)
# The procedure at Cẩm Phả's centre that goes online mid-year (level 4 from this date).
SWITCH_DATE = datetime.date(2019, 4, 15)

# Relative filing volume by calendar month (Tết falls in January or February).
MONTH_WEIGHT = {1: 11, 2: 7, 3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 9, 9: 9, 10: 10, 11: 10, 12: 11}


# --- deterministic arithmetic ------------------------------------------------------------------------


def stable_int(*key) -> int:
    """A well-spread non-negative integer from a key: the same on every run and every machine."""
    return zlib.crc32("\x1f".join(str(part) for part in key).encode())


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` into whole parts proportional to integer `weights` (largest remainder; ties go to the
    earlier position). The parts always add up to `total`."""
    if total < 0:
        raise ValueError("cannot split a negative total")
    if not weights:
        if total:
            raise ValueError(f"nothing to split {total} over")
        return []
    if any(w < 0 for w in weights) or not sum(weights):
        raise ValueError("weights must be non-negative and not all zero")
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    short = total - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:short]:
        parts[i] += 1
    return parts


def split_capped(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Like split_by_weights, but no part exceeds its cap (what a cap leaves over goes to the others)."""
    if total > sum(caps):
        raise ValueError(f"cannot fit {total} under caps adding up to {sum(caps)}")
    parts = [0] * len(caps)
    remaining = total
    while remaining:
        open_ = [i for i in range(len(caps)) if parts[i] < caps[i]]
        shares = split_by_weights(remaining, [max(weights[i], 1) for i in open_])
        for i, share in zip(open_, shares, strict=True):
            taken = min(share, caps[i] - parts[i])
            parts[i] += taken
            remaining -= taken
    return parts


def months_between(first: Month, last: Month) -> list[Month]:
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]


# --- specs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: str
    field: str
    level: str
    popularity: int = 1  # relative volume of filings
    propensity: int = 20  # how readily citizens file it online, in percent
    level_2019: str = PARTIAL  # service level in the pre-reform catalogs
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


@dataclass(frozen=True)
class FilingSpec:
    unit: str
    procedure: str
    year: int
    month: int
    counts: dict  # COUNT_FIELDS -> int


@dataclass(frozen=True)
class TargetSpec:
    unit: str
    year: int
    kpi: str
    target: Decimal


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    unit_codes: tuple[str, ...] = ()


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
    filings: list[FilingSpec]
    targets: list[TargetSpec]
    unit_months: list[UnitMonthSpec]
    open_month: Month | None  # the month with figures that is still open for entry


# --- the procedure catalog ---------------------------------------------------------------------------

_HO_TICH, _CHUNG_THUC, _HKD = "Hộ tịch", "Chứng thực", "Thành lập và hoạt động của hộ kinh doanh"

# Real procedures of the national database (code, name, field), with the demo's popularity, online
# propensity, level in 2019 (Decree 43/2011: level 4 -> full, level 3 -> partial) and after the reform.
COMMUNE_PROCEDURES = [
    ProcedureSpec("1.001193", "Đăng ký khai sinh", _HO_TICH, "commune", 14, 45, FULL, FULL),
    ProcedureSpec("1.000894", "Đăng ký kết hôn", _HO_TICH, "commune", 5, 35, PARTIAL, FULL),
    ProcedureSpec("1.000656", "Đăng ký khai tử", _HO_TICH, "commune", 6, 40, FULL, FULL),
    ProcedureSpec("1.001022", "Đăng ký nhận cha, mẹ, con", _HO_TICH, "commune", 1, 30, PARTIAL, FULL),
    ProcedureSpec(
        "1.000689",
        "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
        _HO_TICH,
        "commune",
        1,
        30,
        PARTIAL,
        FULL,
    ),
    ProcedureSpec("1.004884", "Đăng ký lại khai sinh", _HO_TICH, "commune", 2, 35, PARTIAL, FULL),
    ProcedureSpec("1.005461", "Đăng ký lại khai tử", _HO_TICH, "commune", 1, 30, PARTIAL, PARTIAL),
    ProcedureSpec(
        "1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", _HO_TICH, "commune", 8, 50, FULL, FULL
    ),
    # Registrations held away from the office ("lưu động") cannot be filed online.
    ProcedureSpec("1.000593", "Đăng ký kết hôn lưu động", _HO_TICH, "commune", 1, 0, NONE, NONE),
    ProcedureSpec("1.000419", "Đăng ký khai tử lưu động", _HO_TICH, "commune", 1, 0, NONE, NONE),
    ProcedureSpec("2.000635", "Cấp bản sao Trích lục hộ tịch", _HO_TICH, "commune", 6, 55, FULL, FULL),
    ProcedureSpec("1.004845", "Đăng ký chấm dứt giám hộ", _HO_TICH, "commune", 1, 25, PARTIAL, PARTIAL),
    ProcedureSpec(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp "
        "hoặc chứng nhận",
        _CHUNG_THUC,
        "commune",
        40,
        15,
        PARTIAL,
        FULL,
    ),
    ProcedureSpec(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        _CHUNG_THUC,
        "commune",
        12,
        15,
        PARTIAL,
        PARTIAL,
    ),
    ProcedureSpec("2.001019", "Chứng thực di chúc", _CHUNG_THUC, "commune", 2, 10, NONE, PARTIAL),
    ProcedureSpec(
        "2.001016", "Chứng thực văn bản từ chối nhận di sản", _CHUNG_THUC, "commune", 1, 10, NONE, PARTIAL
    ),
    ProcedureSpec("2.001263", "Đăng ký việc nuôi con nuôi trong nước", "Nuôi con nuôi", "commune", 1, 20),
    ProcedureSpec(
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Bảo trợ xã hội",
        "commune",
        3,
        25,
    ),
    ProcedureSpec(
        "1.001699",
        "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
        "Bảo trợ xã hội",
        "commune",
        2,
        25,
        PARTIAL,
        PARTIAL,
    ),
    ProcedureSpec("1.001653", "Đổi, cấp lại Giấy xác nhận khuyết tật", "Bảo trợ xã hội", "commune", 1, 30),
    ProcedureSpec(
        "2.000950", "Công nhận tổ trưởng tổ hòa giải", "Hòa giải ở cơ sở", "commune", 1, 10, NONE, PARTIAL
    ),
    ProcedureSpec("2.000930", "Thôi làm hòa giải viên", "Hòa giải ở cơ sở", "commune", 1, 10, NONE, PARTIAL),
]
DISTRICT_PROCEDURES = [
    ProcedureSpec("1.009994", "Cấp giấy phép xây dựng", "Hoạt động xây dựng", "district", 6, 35),
    ProcedureSpec("1.001612", "Đăng ký thành lập hộ kinh doanh", _HKD, "district", 10, 55, FULL),
    ProcedureSpec("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", _HKD, "district", 6, 50),
    ProcedureSpec("1.001570", "Tạm ngừng hoạt động hộ kinh doanh", _HKD, "district", 3, 45),
    ProcedureSpec("1.001266", "Chấm dứt hoạt động hộ kinh doanh", _HKD, "district", 2, 45),
    ProcedureSpec("2.000575", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh", _HKD, "district", 1, 40),
    ProcedureSpec(
        "2.000528", "Đăng ký khai sinh có yếu tố nước ngoài", _HO_TICH, "district", 1, 20, PARTIAL, PARTIAL
    ),
    ProcedureSpec(
        "2.000806", "Đăng ký kết hôn có yếu tố nước ngoài", _HO_TICH, "district", 1, 15, PARTIAL, PARTIAL
    ),
]

# Generated procedures make up the counts the field figures need (301 at Cẩm Phả's centre, 96 at each
# ward). Their codes (H., X., T.) are not national codes and their names say "minh họa" (illustrative).
_GENERATED = {
    # prefix: (authority level, name pattern, how many, fields to cycle through)
    "H": (
        "district",
        "Thủ tục cấp huyện số {n} (minh họa)",
        293,
        [
            "Đất đai",
            "Hoạt động xây dựng",
            "Tài nguyên và môi trường",
            "Văn hóa",
            "Giáo dục và Đào tạo",
            "Lao động, tiền lương",
            "Người có công",
            "Nông nghiệp",
            "Công thương",
            "Y tế",
        ],
    ),
    "X": (
        "commune",
        "Thủ tục cấp xã số {n} (minh họa)",
        74,
        [
            "Đất đai",
            "Văn hóa cơ sở",
            "Người có công",
            "Bảo trợ xã hội",
            "Nông nghiệp",
            "Giáo dục và Đào tạo",
            "Thi đua, khen thưởng",
            "Tôn giáo",
        ],
    ),
    "T": (
        "province",
        "Thủ tục cấp tỉnh số {n} (minh họa)",
        120,
        [
            "Đầu tư",
            "Tư pháp",
            "Giao thông vận tải",
            "Tài chính",
            "Xây dựng",
            "Y tế",
            "Khoa học và Công nghệ",
            "Nội vụ",
        ],
    ),
}


def _generated(prefix: str) -> list[ProcedureSpec]:
    level, pattern, count, fields = _GENERATED[prefix]
    return [
        ProcedureSpec(
            f"{prefix}.{n:06d}",
            pattern.format(n=n),
            fields[(n - 1) % len(fields)],
            level,
            popularity=1 + stable_int(prefix, n) % 4,
            propensity=10 + stable_int(prefix, n, "online") % 45,
        )
        for n in range(1, count + 1)
    ]


def procedure_catalog() -> list[ProcedureSpec]:
    return COMMUNE_PROCEDURES + DISTRICT_PROCEDURES + _generated("H") + _generated("X") + _generated("T")


# --- the unit tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    province: str
    label: str  # as it follows "Trung tâm Hành chính công ..." or "Phòng Tư pháp ..."
    communes: tuple[tuple[str, str], ...]  # (code, name)
    centre_procedures: int  # offered by the Public Administration Centre
    centre_online: int  # of which online, in the pre-reform years the figures cover


PROVINCES = [
    UnitSpec("22", "Tỉnh Quảng Ninh", UnitKind.PROVINCE),
    # Quảng Nam was merged into Đà Nẵng on 1 July 2025; Đà Nẵng is not part of the demo.
    UnitSpec("49", "Tỉnh Quảng Nam", UnitKind.PROVINCE, valid_to=REFORM_END),
    UnitSpec("42", "Tỉnh Hà Tĩnh", UnitKind.PROVINCE),
    UnitSpec("31", "Thành phố Hải Phòng", UnitKind.PROVINCE),
]

# Ward and commune codes are the statistics office's 5-digit codes (Decision 124/2004/QĐ-TTg) where we
# could check them; for Tam Kỳ and Hà Tĩnh we could not, so those use `<district code>.<ascii name>`.
DISTRICTS = [
    DistrictSpec(
        "195",
        "Thành phố Cẩm Phả",
        "22",
        "thành phố Cẩm Phả",
        (
            ("06760", "Phường Mông Dương"),
            ("06763", "Phường Cửa Ông"),
            ("06766", "Phường Cẩm Sơn"),
            ("06769", "Phường Cẩm Đông"),
            ("06772", "Phường Cẩm Phú"),
            ("06775", "Phường Cẩm Tây"),
            ("06778", "Phường Quang Hanh"),
            ("06781", "Phường Cẩm Thịnh"),
            ("06784", "Phường Cẩm Thủy"),
            ("06787", "Phường Cẩm Thạch"),
            ("06790", "Phường Cẩm Thành"),
            ("06793", "Phường Cẩm Trung"),
            ("06796", "Phường Cẩm Bình"),
            ("06799", "Xã Cộng Hòa"),
            ("06802", "Xã Cẩm Hải"),
            ("06805", "Xã Dương Huy"),
        ),
        301,
        248,
    ),
    DistrictSpec(
        "196",
        "Thành phố Uông Bí",
        "22",
        "thành phố Uông Bí",
        (
            ("06808", "Phường Vàng Danh"),
            ("06811", "Phường Thanh Sơn"),
            ("06814", "Phường Bắc Sơn"),
            ("06817", "Phường Quang Trung"),
            ("06820", "Phường Trưng Vương"),
            ("06823", "Phường Nam Khê"),
            ("06826", "Phường Yên Thanh"),
            ("06829", "Xã Thượng Yên Công"),
            ("06832", "Phường Phương Đông"),
            ("06835", "Phường Phương Nam"),
        ),
        300,
        282,
    ),
    DistrictSpec(
        "502",
        "Thành phố Tam Kỳ",
        "49",
        "thành phố Tam Kỳ",
        (
            ("502.ANMY", "Phường An Mỹ"),
            ("502.ANSON", "Phường An Sơn"),
            ("502.TANTHANH", "Phường Tân Thạnh"),
            ("502.HOATHUAN", "Phường Hòa Thuận"),
            ("502.PHUOCHOA", "Phường Phước Hòa"),
            ("502.TAMTHANG", "Xã Tam Thăng"),
        ),
        285,
        255,
    ),
    DistrictSpec(
        "436",
        "Thành phố Hà Tĩnh",
        "42",
        "thành phố Hà Tĩnh",
        (
            ("436.NAMHA", "Phường Nam Hà"),
            ("436.VANYEN", "Phường Văn Yên"),
            ("436.DAINAI", "Phường Đại Nài"),
            ("436.BACHA", "Phường Bắc Hà"),
            ("436.TRANPHU", "Phường Trần Phú"),
            ("436.TANGIANG", "Phường Tân Giang"),
            ("436.THACHQUY", "Phường Thạch Quý"),
        ),
        290,
        262,
    ),
    DistrictSpec(
        "303",
        "Quận Hồng Bàng",
        "31",
        "quận Hồng Bàng",
        (
            ("11308", "Phường Hạ Lý"),
            ("11311", "Phường Minh Khai"),
            ("11320", "Phường Hoàng Văn Thụ"),
            ("11323", "Phường Phan Bội Châu"),
        ),
        270,
        243,
    ),
    DistrictSpec(
        "305",
        "Quận Lê Chân",
        "31",
        "quận Lê Chân",
        (
            ("11368", "Phường Cát Dài"),
            ("11371", "Phường An Biên"),
            ("11386", "Phường Trại Cau"),
            ("11404", "Phường Dư Hàng Kênh"),
        ),
        266,
        236,
    ),
]

DEPARTMENTS = [("VHTT", "Phòng Văn hóa và Thông tin"), ("TP", "Phòng Tư pháp"), ("YT", "Phòng Y tế")]

# Communes created by the 2025 reform under the province, and the old ones each took over (as published
# in the merger resolutions; Trưng Vương was split between two wards). Decision 19/2025/QĐ-TTg gives a
# new commune the code of one of the merged ones, which would re-key a historical unit, so the demo uses
# `<province>.<ascii name>` codes for them. Cộng Hòa and Cẩm Hải are left without a successor in the demo:
# we could not check which new unit took them over.
NEW_COMMUNES = [
    ("22.CAMPHA", "Phường Cẩm Phả", ("06790", "06793", "06796", "06775", "06769")),
    ("22.QUANGHANH", "Phường Quang Hanh", ("06787", "06784", "06778")),
    ("22.CUAONG", "Phường Cửa Ông", ("06772", "06781", "06766", "06763")),
    ("22.MONGDUONG", "Phường Mông Dương", ("06760", "06805")),
    ("22.UONGBI", "Phường Uông Bí", ("06817", "06811", "06826", "06820")),
    ("22.VANGDANH", "Phường Vàng Danh", ("06814", "06823", "06808", "06820")),
    ("22.YENTU", "Phường Yên Tử", ("06832", "06835", "06829")),
]
PROVINCE_CENTRE = UnitSpec(
    "31.TTHCC", "Trung tâm Phục vụ hành chính công thành phố Hải Phòng", UnitKind.CENTER, "31"
)


def centre_code(district_code: str) -> str:
    return f"{district_code}.TTHCC"


def unit_tree() -> list[UnitSpec]:
    """Every demo unit, parents before children."""
    successors = defaultdict(list)
    for code, _name, predecessors in NEW_COMMUNES:
        for old in predecessors:
            successors[old].append(code)
    units = list(PROVINCES)
    for d in DISTRICTS:
        units.append(UnitSpec(d.code, d.name, UnitKind.DISTRICT, d.province, valid_to=REFORM_END))
        units.append(
            UnitSpec(
                centre_code(d.code),
                f"Trung tâm Hành chính công {d.label}",
                UnitKind.CENTER,
                d.code,
                valid_to=REFORM_END,
            )
        )
        units += [
            UnitSpec(
                f"{d.code}.{suffix}", f"{name} {d.label}", UnitKind.DEPARTMENT, d.code, valid_to=REFORM_END
            )
            for suffix, name in DEPARTMENTS
        ]
        units += [
            UnitSpec(
                code, name, UnitKind.COMMUNE, d.code, valid_to=REFORM_END, successors=tuple(successors[code])
            )
            for code, name in d.communes
        ]
    units.append(PROVINCE_CENTRE)
    units += [
        UnitSpec(code, name, UnitKind.COMMUNE, "22", valid_from=REFORM_START)
        for code, name, _old in NEW_COMMUNES
    ]
    return units


def _unit_weight(code: str, name: str) -> int:
    """Relative filing volume of a unit: rural communes (xã) file fewer than urban wards."""
    return (3 + stable_int(code) % 3) if name.startswith("Xã") else (8 + stable_int(code) % 7)


# --- offerings ---------------------------------------------------------------------------------------


@dataclass
class UnitCatalog:
    """What one unit offers (its offerings) and which of its procedures receive filings in the demo."""

    offerings: list[OfferingSpec] = field(default_factory=list)
    active: list[str] = field(default_factory=list)


def _split_generated(unit: str, codes: list[str], online: int) -> tuple[list[str], list[str]]:
    """Which generated procedures a unit offers online: `online` of them, chosen by a stable shuffle."""
    shuffled = sorted(codes, key=lambda code: stable_int(unit, code))
    online_set = set(shuffled[:online])
    return [c for c in codes if c in online_set], [c for c in codes if c not in online_set]


def _online_level(unit: str, code: str) -> str:
    return FULL if stable_int(unit, code, "level") % 3 == 0 else PARTIAL


def _pre_reform_catalog(
    unit: str,
    real: list[ProcedureSpec],
    generated: list[str],
    online: int,
    *,
    active_online: int,
    active_none: int,
    active_real: int | None = None,
) -> UnitCatalog:
    """A unit of the old tree: real procedures at their 2019 level, generated ones topping the online count
    up to `online`; from UPGRADE_DATE about half of the offline generated procedures go partly online."""
    catalog = UnitCatalog()
    real_online = sum(p.level_2019 in ONLINE for p in real)
    gen_online, gen_none = _split_generated(unit, generated, online - real_online)
    for p in real:
        catalog.offerings.append(OfferingSpec(unit, p.code, p.level_2019))
    for code in gen_online:
        catalog.offerings.append(OfferingSpec(unit, code, _online_level(unit, code)))
    upgraded = [code for code in gen_none if stable_int(unit, code, "upgrade") % 2 == 0]
    for code in gen_none:
        catalog.offerings.append(OfferingSpec(unit, code, NONE))
        if code in upgraded:
            catalog.offerings.append(OfferingSpec(unit, code, PARTIAL, UPGRADE_DATE))
    by_popularity = sorted(real, key=lambda p: (-p.popularity, p.code))
    catalog.active = [p.code for p in by_popularity[:active_real]]
    # Filings go to procedures that stay offline too, so every year has some that are not offered online.
    catalog.active += gen_online[:active_online] + [c for c in gen_none if c not in upgraded][:active_none]
    return catalog


def offering_plan() -> tuple[list[OfferingSpec], dict[str, list[str]]]:
    """Every demo offering, and for each unit with filings the procedures that receive them."""
    commune_generated = [p.code for p in _generated("X")]
    district_generated = [p.code for p in _generated("H")]
    offerings, active = [], {}

    for d in DISTRICTS:
        centre = centre_code(d.code)
        generated = district_generated[: d.centre_procedures - len(DISTRICT_PROCEDURES)]
        catalog = _pre_reform_catalog(
            centre, DISTRICT_PROCEDURES, generated, d.centre_online, active_online=14, active_none=4
        )
        if d.code == "195":
            # One procedure goes online mid-year: not online from the beginning, full from SWITCH_DATE. It is
            # counted among the 248 at the end of July and is eligible from April (the whole month) on.
            switch = catalog.active[len(DISTRICT_PROCEDURES)]
            catalog.offerings = [o for o in catalog.offerings if o.procedure != switch]
            catalog.offerings += [
                OfferingSpec(centre, switch, NONE),
                OfferingSpec(centre, switch, FULL, SWITCH_DATE),
            ]
        offerings += catalog.offerings
        active[centre] = catalog.active
        for code, _name in d.communes:
            # Each Cẩm Phả ward offered 96 procedures, 40 to 50 of them online; the other cities alike.
            spread = 11 if d.code == "195" else 21
            catalog = _pre_reform_catalog(
                code,
                COMMUNE_PROCEDURES,
                commune_generated,
                40 + stable_int(code, "online") % spread,
                active_online=1,
                active_none=1,
                active_real=8,
            )
            offerings += catalog.offerings
            active[code] = catalog.active

    province_generated = [p.code for p in _generated("T")]
    catalog = _pre_reform_catalog(
        PROVINCE_CENTRE.code, [], province_generated, 102, active_online=16, active_none=4, active_real=0
    )
    offerings += catalog.offerings
    active[PROVINCE_CENTRE.code] = catalog.active

    # The new communes also took over district-level procedures; nearly all are online from day one.
    new_catalog = COMMUNE_PROCEDURES + DISTRICT_PROCEDURES
    for code, _name, _old in NEW_COMMUNES:
        for p in new_catalog:
            offerings.append(OfferingSpec(code, p.code, p.level_2025, REFORM_START))
        for proc in commune_generated:
            level = NONE if stable_int(code, proc, "2025") % 10 == 0 else _online_level(code, proc)
            offerings.append(OfferingSpec(code, proc, level, REFORM_START))
        by_popularity = sorted(COMMUNE_PROCEDURES, key=lambda p: (-p.popularity, p.code))
        active[code] = (
            [p.code for p in by_popularity[:8]]
            + ["1.000593", "1.009994", "1.001612", "2.000720"]
            + commune_generated[:2]
        )
    return offerings, active


# --- filings -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """New filings of some units over some months with exact totals: `eligible_new` on procedures offered
    online in the month (of which `online` were filed online) and `other_new` on the others."""

    units: tuple[str, ...]
    months: tuple[Month, ...]
    eligible_new: int
    online: int
    other_new: int


def _monthly_blocks(
    units, first: Month, last: Month, *, volume, share_from, share_to, other_pct
) -> list[Block]:
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


def _pct(value: int, percent: int) -> int:
    """`percent` % of `value`, rounded half up."""
    return (value * percent + 50) // 100


def _filing_counts(unit, proc, month, carried, online, new) -> dict:
    """The ten counts of one month: carried over + new = resolved + pending, with plausible splits."""
    j = stable_int(unit, proc, month)
    offline = new - online
    postal = _pct(offline, j % 4)
    total = carried + new
    pending = _pct(total, 5 + j % 6)
    resolved = total - pending
    late = _pct(resolved, 1 + (j >> 3) % 8)
    early = _pct(resolved - late, 35 + (j >> 6) % 31)
    overdue = _pct(pending, 10 + (j >> 11) % 21)
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
        "returned_postal": _pct(resolved, (j >> 16) % 5),
    }


def filing_plan(last: Month, offerings: list[OfferingSpec], active: dict[str, list[str]]) -> list[FilingSpec]:
    catalog = {p.code: p for p in procedure_catalog()}
    popularity = {code: p.popularity for code, p in catalog.items()}
    propensity = {code: max(p.propensity, 5) for code, p in catalog.items()}
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
                carried = _pct(new, 3 + stable_int(unit, proc, month, "backlog") % 6)
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
    """Cẩm Phả returned 848 results by post from January to July 2019, over its centre and wards."""
    city = {centre_code("195")} | {code for code, _name in DISTRICTS[0].communes}
    window = [f for f in filings if f.unit in city and f.year == 2019 and f.month <= 7]
    resolved = [
        f.counts["resolved_early"] + f.counts["resolved_on_time"] + f.counts["resolved_late"] for f in window
    ]
    returns = split_capped(
        848,
        [
            r * (1 + stable_int(f.unit, f.procedure, f.month) % 5)
            for f, r in zip(window, resolved, strict=True)
        ],
        resolved,
    )
    for f, returned in zip(window, returns, strict=True):
        f.counts["returned_postal"] = returned


# --- targets -----------------------------------------------------------------------------------------


def target_plan() -> list[TargetSpec]:
    cam_pha = ["195", centre_code("195")] + [code for code, _name in DISTRICTS[0].communes]
    targets = []
    for code in cam_pha:
        targets += [
            TargetSpec(code, 2019, "online_rate_eligible", Decimal(30)),
            TargetSpec(code, 2019, "procedures_online_rate", Decimal(80)),
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


def last_reported_month(today: datetime.date) -> Month:
    """Figures for a month are reported after it ends: the demo's data stops at the month before today's."""
    return Month.of(today).shift(-1)


# --- statuses ----------------------------------------------------------------------------------------

# Units whose latest closed month (past its entry deadline) waits for a leader's decision: two communes of
# Quảng Ninh for `lanhdao22`, and a ward of Cẩm Phả for `lanhdao195` (the city ended with the 2025
# reform, so its ward waits with June 2025, the last month of the old tree).
AWAITING = ("22.QUANGHANH", "22.UONGBI", "06787")
# The latest closed month of the first of these units that has one was returned to its clerk
# (`canbo.campha`, else `canbo.camson`), by the demo leader closest to it.
RETURNED = ("22.CAMPHA", "06766")
RETURN_REASON = "Số hồ sơ tiếp nhận qua BCCI chưa khớp với sổ theo dõi; đề nghị kiểm tra lại."
# Units that have entered nothing yet for the month open for entry: the demo clerks' units and two others.
NOT_YET_ENTERED = ("22.CAMPHA", "06766", "22.CUAONG", "22.MONGDUONG")
# About one approved month in LATE_ONE_IN was submitted a few days after its deadline.
LATE_ONE_IN = 25
# Why seed_demo reopens a month that a demo user approved, to put it back as the demo has it.
RESET_REASON = "Khôi phục dữ liệu minh họa (seed_demo)."


def open_month(today: datetime.date) -> Month | None:
    """The month with figures still open for entry: the month before today's, until its entry deadline
    (filings.forms.default_month offers the same month; after its deadline, the current month, which has
    no figures yet)."""
    month = last_reported_month(today)
    return month if entry_deadline(month.year, month.month) >= today else None


def _working_day(day: datetime.date, low: datetime.date, high: datetime.date) -> datetime.date:
    """`day`, or the nearest working day around it within [low, high] when it falls on a weekend."""
    if day.weekday() < 5:
        return day
    friday = day - datetime.timedelta(days=day.weekday() - 4)
    monday = day + datetime.timedelta(days=7 - day.weekday())
    return friday if friday >= low else monday if monday <= high else day


def _at(day: datetime.date, minutes: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60)),
        timezone.get_default_timezone(),
    )


def approval_dates(
    unit: str, month: Month, today: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """When an approved demo month was submitted and approved: a working morning within its entry window
    (about one in LATE_ONE_IN a few days after the deadline), approved one to four days later in an
    afternoon; both before `today`."""
    j = stable_int(unit, month, "submitted")
    window = settings.FILINGS_ENTRY_CLOSE_DAYS
    deadline = entry_deadline(month.year, month.month)
    days = j % window + 1 if window else 0
    if j % LATE_ONE_IN == 0:
        days = window + 1 + (j >> 8) % 5
    latest = today - datetime.timedelta(days=1)
    first = month.last_day + datetime.timedelta(days=1)
    submitted = min(month.last_day + datetime.timedelta(days=days), latest)
    submitted = _working_day(submitted, first, deadline if submitted <= deadline else latest)
    decided = min(submitted + datetime.timedelta(days=1 + (j >> 12) % 4), latest)
    decided = _working_day(decided, submitted, latest)
    # Mornings 7:30-11:59 and afternoons 13:30-17:29: a decision on the day of its submission comes after it.
    return _at(submitted, 450 + (j >> 16) % 270), _at(decided, 810 + (j >> 20) % 240)


def status_plan(filings: list[FilingSpec], today: datetime.date) -> list[UnitMonthSpec]:
    """The status of every unit-month with figures on `today`: drafts in the month open for entry;
    before it, approved, except the latest closed month of AWAITING (submitted) and of the first of
    RETURNED that has one (returned with RETURN_REASON)."""
    open_ = open_month(today)
    unit_months = sorted({(f.unit, Month(f.year, f.month)) for f in filings})
    closed = defaultdict(list)  # every month but the open one is past its deadline
    for unit, month in unit_months:
        if month != open_:
            closed[unit].append(month)
    special = {(unit, closed[unit][-1]): UnitMonthStatus.SUBMITTED for unit in AWAITING if closed[unit]}
    returned = next((unit for unit in RETURNED if closed[unit]), None)
    if returned:
        special[returned, closed[returned][-1]] = UnitMonthStatus.RETURNED
    specs = []
    for unit, month in unit_months:
        if month == open_:
            specs.append(UnitMonthSpec(unit, month, UnitMonthStatus.DRAFT))
        elif (unit, month) in special:
            status = special[unit, month]
            reason = RETURN_REASON if status == UnitMonthStatus.RETURNED else ""
            specs.append(UnitMonthSpec(unit, month, status, reason))
        else:
            submitted, decided = approval_dates(unit, month, today)
            specs.append(UnitMonthSpec(unit, month, UnitMonthStatus.APPROVED, "", submitted, decided))
    return specs


def build_plan(today: datetime.date) -> DemoPlan:
    """The whole demo on `today`, as specs; pure (reads nothing from the database)."""
    offerings, active = offering_plan()
    filings = filing_plan(last_reported_month(today), offerings, active)
    open_ = open_month(today)
    if open_:
        filings = [f for f in filings if not (f.unit in NOT_YET_ENTERED and Month(f.year, f.month) == open_)]
    return DemoPlan(
        units=unit_tree(),
        procedures=procedure_catalog(),
        offerings=offerings,
        filings=filings,
        targets=target_plan(),
        unit_months=status_plan(filings, today),
        open_month=open_,
    )


# --- writing -----------------------------------------------------------------------------------------

# For demonstrations only: `seed_demo` prints them, and says so.
DEMO_LOGINS = (
    DemoLogin("admin", "admin", Role.ADMIN),
    DemoLogin("lanhdao22", "demo12345", Role.LEADER, ("22",)),
    DemoLogin("lanhdao195", "demo12345", Role.LEADER, ("195",)),
    DemoLogin("canbo.camson", "demo12345", Role.CLERK, ("06766",)),
    DemoLogin("canbo.campha", "demo12345", Role.CLERK, ("22.CAMPHA",)),
)


@dataclass(frozen=True)
class Changes:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __str__(self):
        return f"{self.created} new, {self.updated} changed, {self.deleted} removed"


@dataclass(frozen=True)
class SeedSummary:
    units: int
    procedures: int
    offerings: int
    filings: int
    targets: int
    first_month: Month | None
    last_month: Month | None
    changes: dict[str, Changes]
    logins: tuple[DemoLogin, ...]
    statuses: dict[str, int]  # the demo units' unit-months by status (every status, in workflow order)
    status_changes: int  # unit-months whose status this run changed
    open_month: Month | None


def _write_units(specs: list[UnitSpec]) -> dict[str, Unit]:
    units = {}
    for spec in specs:
        # Unit.save() keeps the materialised path (and moves a subtree whose parent changed).
        units[spec.code], _created = Unit.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "parent": units[spec.parent] if spec.parent else None,
                "valid_from": spec.valid_from,
                "valid_to": spec.valid_to,
            },
        )
    for spec in specs:
        units[spec.code].successors.set([units[code] for code in spec.successors])
    return units


def _write_procedures(specs: list[ProcedureSpec]) -> dict[str, int]:
    Procedure.objects.bulk_create(
        [Procedure(code=p.code, name=p.name, field=p.field, level=AuthorityLevel(p.level)) for p in specs],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "field", "level"],
        batch_size=1000,
    )
    return dict(Procedure.objects.filter(code__in=[p.code for p in specs]).values_list("code", "pk"))


def _diff(stored, wanted: dict, value_field: str, build):
    """What makes `stored` ({key: instance}) match `wanted` ({key: value}): (new, changed, stale)."""
    stale = [obj for key, obj in stored.items() if key not in wanted]
    changed = []
    for key, value in wanted.items():
        obj = stored.get(key)
        if obj is not None and getattr(obj, value_field) != value:
            setattr(obj, value_field, value)
            changed.append(obj)
    new = [build(key, value) for key, value in wanted.items() if key not in stored]
    return new, changed, stale


def _sync_targets(stored, wanted: dict) -> Changes:
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    new, changed, stale = _diff(
        stored, wanted, "target", lambda key, value: Target(unit_id=key[0], year=key[1], kpi=key[2], target=value)
    )
    for target in stale:
        target._change_reason = "demo"
        target.delete()
    if changed:
        bulk_update_with_history(changed, Target, ["target"], batch_size=1000, default_change_reason="demo")
    if new:
        bulk_create_with_history(new, Target, batch_size=1000, default_change_reason="demo")
    return Changes(len(new), len(changed), len(stale))


def _sync_offerings(stored, wanted: dict) -> Changes:
    from procedures.services import offerings_write

    new, changed, stale = _diff(
        stored,
        wanted,
        "service_level",
        lambda key, level: Offering(unit_id=key[0], procedure_id=key[1], valid_from=key[2], service_level=level),
    )
    offerings_write(create=new, update=changed, delete=stale, reason="demo")
    return Changes(len(new), len(changed), len(stale))


def _write_filings(specs: list[FilingSpec], unit_ids: dict, procedure_ids: dict) -> Changes:
    from filings.services import Source, filings_delete, filings_upsert

    rows = [
        {
            "unit_id": unit_ids[f.unit],
            "procedure_id": procedure_ids[f.procedure],
            "year": f.year,
            "month": f.month,
            **f.counts,
        }
        for f in specs
    ]
    planned = {(r["unit_id"], r["procedure_id"], r["year"], r["month"]) for r in rows}
    stale = [
        filing
        for filing in MonthlyFiling.objects.filter(unit_id__in=list(unit_ids.values())).order_by()
        if (filing.unit_id, filing.procedure_id, filing.year, filing.month) not in planned
    ]
    filings_delete(stale, source=Source.DEMO, force=True)
    # Approved months refuse writes unless forced (by the system: user None): a re-run, or a run after a
    # demo user changed figures, puts the planned ones back.
    result = filings_upsert(rows, fields=COUNT_FIELDS, source=Source.DEMO, note="seed_demo", force=True)
    return Changes(result.created, result.updated, len(stale))


def _deciding_leader(unit: Unit):
    """The demo leader closest to `unit` whose scope holds it, or None (the system) without the logins."""
    usernames = [login.username for login in DEMO_LOGINS if login.role == Role.LEADER]
    scopes = {
        leader: Unit.objects.for_user(leader)
        for leader in User.objects.filter(username__in=usernames, role=Role.LEADER, is_active=True)
    }
    in_scope = [leader for leader, scope in scopes.items() if scope.filter(pk=unit.pk).exists()]
    return min(in_scope, key=lambda leader: (scopes[leader].count(), leader.username), default=None)


def _sync_statuses(specs: list[UnitMonthSpec], units: dict[str, Unit]) -> int:
    """Bring the demo's unit-months to their planned statuses through the transitions of filings.workflow
    (each change with its history row); returns how many changed. The approvals go in one bulk transition,
    submitted by and approved by the system, on the planned dates for a month never submitted before. The
    few submitted and returned months go through the single transitions (submitted by the system, with
    their data-quality warnings confirmed; returned by the demo leader closest to the unit); a month that
    a demo user approved meanwhile is reopened first. A draft stays what it is: nothing leads back to one."""
    from filings import workflow
    from filings.services import Source

    Status = UnitMonthStatus
    unit_ids = {code: unit.pk for code, unit in units.items()}
    planned = {(unit_ids[spec.unit], spec.month.year, spec.month.month): spec for spec in specs}
    states = {um.key: um for um in UnitMonth.objects.filter(unit_id__in=list(unit_ids.values())).order_by()}

    approve, dates = [], {}
    for key, spec in planned.items():
        state = states.get(key)
        if spec.status == Status.APPROVED and (state is None or state.status != Status.APPROVED):
            approve.append(key)
            if state is None or state.first_submitted_at is None:
                dates[key] = (spec.submitted_at, spec.decided_at)
    workflow.unit_months_approve_bulk(approve, user=None, source=Source.DEMO, dates=dates)

    changed = len(approve)
    for key, spec in sorted(planned.items()):
        current = states[key].status if key in states else None
        if spec.status not in (Status.SUBMITTED, Status.RETURNED) or current == spec.status:
            continue
        where = {"unit": units[spec.unit], "year": spec.month.year, "month": spec.month.month}
        where["source"] = Source.DEMO
        if current == Status.APPROVED:
            workflow.unit_month_reopen(**where, user=None, reason=RESET_REASON)
            current = Status.RETURNED
        if current != Status.SUBMITTED:
            workflow.unit_month_submit(**where, user=None, confirm_warnings=True)
        if spec.status == Status.RETURNED:
            workflow.unit_month_return(**where, user=_deciding_leader(units[spec.unit]), reason=spec.reason)
        changed += 1
    return changed


def _status_counts(unit_ids) -> dict[str, int]:
    rows = UnitMonth.objects.filter(unit_id__in=list(unit_ids)).order_by().values_list("status")
    counts = dict(rows.annotate(Count("id")))
    Status = UnitMonthStatus
    order = (Status.APPROVED, Status.SUBMITTED, Status.RETURNED, Status.DRAFT)
    return {str(status): counts.get(status, 0) for status in order}


def seed_demo(*, today: datetime.date | None = None, with_users: bool = True) -> SeedSummary:
    """Load the demo as it stands on `today` (default: today): units, procedures, offerings, monthly
    filings, targets, the demo logins and the unit-months' statuses.

    Idempotent: units and procedures are matched by code, offerings, filings and targets of the demo units
    by their keys; what the plan no longer holds is removed from the demo units; statuses already as
    planned are left alone. One transaction."""
    from accounts.services import user_upsert

    plan = build_plan(today or timezone.localdate())
    with transaction.atomic():
        units = _write_units(plan.units)
        unit_ids = {code: unit.pk for code, unit in units.items()}
        procedure_ids = _write_procedures(plan.procedures)

        stored_offerings = {
            (o.unit_id, o.procedure_id, o.valid_from): o
            for o in Offering.objects.filter(unit__in=list(unit_ids.values()))
        }
        wanted_offerings = {
            (unit_ids[o.unit], procedure_ids[o.procedure], o.valid_from): o.service_level
            for o in plan.offerings
        }
        offering_changes = _sync_offerings(stored_offerings, wanted_offerings)

        stored_targets = {
            (t.unit_id, t.year, t.kpi): t for t in Target.objects.filter(unit__in=list(unit_ids.values()))
        }
        wanted_targets = {(unit_ids[t.unit], t.year, t.kpi): t.target for t in plan.targets}
        target_changes = _sync_targets(stored_targets, wanted_targets)

        filing_changes = _write_filings(plan.filings, unit_ids, procedure_ids)

        # The logins before the statuses: the demo leader returns the returned month.
        if with_users:
            # A password hash costs about half a second (PBKDF2): hash each demo password once. They are
            # public demo passwords, so sharing a salt between the users that share one reveals nothing.
            hashes = {
                password: make_password(password) for password in {login.password for login in DEMO_LOGINS}
            }
            for login in DEMO_LOGINS:
                user, _created = user_upsert(
                    username=login.username, role=login.role, unit_codes=login.unit_codes
                )
                user.password = hashes[login.password]
                user.save(update_fields=["password"])

        status_changes = _sync_statuses(plan.unit_months, units)
        statuses = _status_counts(unit_ids.values())

    months = sorted({Month(f.year, f.month) for f in plan.filings})
    return SeedSummary(
        units=len(plan.units),
        procedures=len(plan.procedures),
        offerings=len(plan.offerings),
        filings=len(plan.filings),
        targets=len(plan.targets),
        first_month=months[0] if months else None,
        last_month=months[-1] if months else None,
        changes={"offerings": offering_changes, "filings": filing_changes, "targets": target_changes},
        logins=DEMO_LOGINS if with_users else (),
        statuses=statuses,
        status_changes=status_changes,
        open_month=plan.open_month,
    )
