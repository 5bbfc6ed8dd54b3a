"""The demo's unit tree: four provinces, six cities or districts with their public administration centre,
departments and wards or communes (real names and, where we could check them, the statistics office's
codes), and the communes created by the 2025 reform, with the old units' successors, so that history
survives the merger; and three departments and two more districts of Hải Phòng, without figures."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from units.models import UnitKind

from .specs import UnitSpec

# The 2025 reform: the district level ends on 30 June 2025 and the merged communes start on 1 July.
REFORM_END = datetime.date(2025, 6, 30)
REFORM_START = datetime.date(2025, 7, 1)


@dataclass(frozen=True)
class DistrictSpec:
    """A city or district of the old tree: its wards and communes, and how many procedures its centre
    offered, and how many of them online."""

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
PROVINCE_CENTRE = UnitSpec("31.TTHCC", "Trung tâm Phục vụ hành chính công thành phố Hải Phòng", UnitKind.CENTER, "31")

# Three departments of Hải Phòng and two more of its districts, which the city's inspection of 2018 visited
# with Hồng Bàng and Lê Chân (demo.inspection_plan). They have no offerings and no figures in the demo,
# and the two districts no wards. The Department of Information and Communications was merged into the
# Department of Science and Technology (not in the demo) on 1 March 2025.
PROVINCE_DEPARTMENTS = [
    UnitSpec("31.SNV", "Sở Nội vụ thành phố Hải Phòng", UnitKind.DEPARTMENT, "31"),
    UnitSpec(
        "31.STTTT",
        "Sở Thông tin và Truyền thông thành phố Hải Phòng",
        UnitKind.DEPARTMENT,
        "31",
        valid_to=datetime.date(2025, 2, 28),
    ),
    UnitSpec("31.STP", "Sở Tư pháp thành phố Hải Phòng", UnitKind.DEPARTMENT, "31"),
]
OTHER_DISTRICTS = [
    UnitSpec("304", "Quận Ngô Quyền", UnitKind.DISTRICT, "31", valid_to=REFORM_END),
    UnitSpec("306", "Quận Hải An", UnitKind.DISTRICT, "31", valid_to=REFORM_END),
]


def centre_code(district_code: str) -> str:
    """The code of a district's public administration centre."""
    return f"{district_code}.TTHCC"


def department_code(district_code: str, suffix: str) -> str:
    """The code of one of a district's departments (a suffix of DEPARTMENTS)."""
    return f"{district_code}.{suffix}"


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
                department_code(d.code, suffix), f"{name} {d.label}", UnitKind.DEPARTMENT, d.code, valid_to=REFORM_END
            )
            for suffix, name in DEPARTMENTS
        ]
        units += [
            UnitSpec(code, name, UnitKind.COMMUNE, d.code, valid_to=REFORM_END, successors=tuple(successors[code]))
            for code, name in d.communes
        ]
    units.append(PROVINCE_CENTRE)
    units += PROVINCE_DEPARTMENTS + OTHER_DISTRICTS
    units += [
        UnitSpec(code, name, UnitKind.COMMUNE, "22", valid_from=REFORM_START) for code, name, _old in NEW_COMMUNES
    ]
    return units
