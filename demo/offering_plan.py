"""Which demo unit offers which procedure at which online level from which date, and which of its
procedures receive filings: the offerings of the old tree at their 2019 levels (part of the offline ones
going partly online with Decree 42/2022), Cẩm Phả's procedure that goes online mid-2019, and the
catalogue of the communes created by the 2025 reform. A district centre's procedures are each handled by
one of the district's departments by their field (hộ tịch and the other justice fields by Phòng Tư pháp,
culture by Phòng Văn hóa và Thông tin, health by Phòng Y tế), as the department breakdown shows them."""

import datetime
from dataclasses import dataclass, field, replace

from .arithmetic import stable_int
from .catalogue import COMMUNE_PROCEDURES, DISTRICT_PROCEDURES, generated_procedures
from .specs import FULL, NONE, ONLINE, PARTIAL, OfferingSpec, ProcedureSpec
from .tree import DISTRICTS, NEW_COMMUNES, PROVINCE_CENTRE, REFORM_START, centre_code, department_code

# Decree 42/2022/NĐ-CP took effect in 2022; the demo upgrades part of the offline procedures then.
UPGRADE_DATE = datetime.date(2022, 7, 1)
# The procedure at Cẩm Phả's centre that goes online mid-year (level 4 from this date).
SWITCH_DATE = datetime.date(2019, 4, 15)
# The department (demo.tree.DEPARTMENTS) responsible for a district centre's procedures of each field;
# the centre's other procedures name none.
DEPARTMENT_OF_FIELD = {
    "Hộ tịch": "TP",
    "Chứng thực": "TP",
    "Nuôi con nuôi": "TP",
    "Hòa giải ở cơ sở": "TP",
    "Tư pháp": "TP",
    "Văn hóa": "VHTT",
    "Văn hóa cơ sở": "VHTT",
    "Thông tin và Truyền thông": "VHTT",
    "Thể dục thể thao": "VHTT",
    "Du lịch": "VHTT",
    "Y tế": "YT",
}


@dataclass
class UnitCatalogue:
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


def _pre_reform_catalogue(
    unit: str,
    real: list[ProcedureSpec],
    generated: list[str],
    online: int,
    *,
    active_online: int,
    active_none: int,
    active_real: int | None = None,
) -> UnitCatalogue:
    """A unit of the old tree: real procedures at their 2019 level, generated ones topping the online count
    up to `online`; from UPGRADE_DATE about half of the offline generated procedures go partly online."""
    catalogue = UnitCatalogue()
    real_online = sum(p.level_2019 in ONLINE for p in real)
    gen_online, gen_none = _split_generated(unit, generated, online - real_online)
    for p in real:
        catalogue.offerings.append(OfferingSpec(unit, p.code, p.level_2019))
    for code in gen_online:
        catalogue.offerings.append(OfferingSpec(unit, code, _online_level(unit, code)))
    upgraded = [code for code in gen_none if stable_int(unit, code, "upgrade") % 2 == 0]
    for code in gen_none:
        catalogue.offerings.append(OfferingSpec(unit, code, NONE))
        if code in upgraded:
            catalogue.offerings.append(OfferingSpec(unit, code, PARTIAL, UPGRADE_DATE))
    by_popularity = sorted(real, key=lambda p: (-p.popularity, p.code))
    catalogue.active = [p.code for p in by_popularity[:active_real]]
    # Filings go to procedures that stay offline too, so every year has some that are not offered online.
    catalogue.active += gen_online[:active_online] + [c for c in gen_none if c not in upgraded][:active_none]
    return catalogue


def _with_department(offering: OfferingSpec, district: str, field_name: str) -> OfferingSpec:
    """A district centre's offering with the district's department responsible for its field, if any."""
    suffix = DEPARTMENT_OF_FIELD.get(field_name)
    return replace(offering, department=department_code(district, suffix)) if suffix else offering


def offering_plan() -> tuple[list[OfferingSpec], dict[str, list[str]]]:
    """Every demo offering, and for each unit with filings the procedures that receive them."""
    commune_generated = [p.code for p in generated_procedures("X")]
    district_generated = [p.code for p in generated_procedures("H")]
    field_of = {p.code: p.field for p in DISTRICT_PROCEDURES + generated_procedures("H")}
    offerings, active = [], {}

    for d in DISTRICTS:
        centre = centre_code(d.code)
        generated = district_generated[: d.centre_procedures - len(DISTRICT_PROCEDURES)]
        catalogue = _pre_reform_catalogue(
            centre, DISTRICT_PROCEDURES, generated, d.centre_online, active_online=14, active_none=4
        )
        if d.code == "195":
            # One procedure goes online mid-year: not online from the beginning, full from SWITCH_DATE. It is
            # counted among the 248 at the end of July and is eligible from April (the whole month) on.
            switch = catalogue.active[len(DISTRICT_PROCEDURES)]
            catalogue.offerings = [o for o in catalogue.offerings if o.procedure != switch]
            catalogue.offerings += [
                OfferingSpec(centre, switch, NONE),
                OfferingSpec(centre, switch, FULL, SWITCH_DATE),
            ]
        offerings += [_with_department(o, d.code, field_of[o.procedure]) for o in catalogue.offerings]
        active[centre] = catalogue.active
        for code, _name in d.communes:
            # Each Cẩm Phả ward offered 96 procedures, 40 to 50 of them online; the other cities alike.
            spread = 11 if d.code == "195" else 21
            catalogue = _pre_reform_catalogue(
                code,
                COMMUNE_PROCEDURES,
                commune_generated,
                40 + stable_int(code, "online") % spread,
                active_online=1,
                active_none=1,
                active_real=8,
            )
            offerings += catalogue.offerings
            active[code] = catalogue.active

    province_generated = [p.code for p in generated_procedures("T")]
    catalogue = _pre_reform_catalogue(
        PROVINCE_CENTRE.code, [], province_generated, 102, active_online=16, active_none=4, active_real=0
    )
    offerings += catalogue.offerings
    active[PROVINCE_CENTRE.code] = catalogue.active

    # The new communes also took over district-level procedures; nearly all are online from day one.
    new_catalogue = COMMUNE_PROCEDURES + DISTRICT_PROCEDURES
    for code, _name, _old in NEW_COMMUNES:
        for p in new_catalogue:
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
