"""The demo's outreach activities (directing.Activity), planned without the database: Cẩm Phả's 48
conferences on online public services in 2019 with 3,400 participants in all, spread over its wards and
communes, and a few trainings in Uông Bí in 2018."""

import datetime
from dataclasses import dataclass

from .arithmetic import split_by_weights, stable_int
from .tree import DISTRICTS

CAM_PHA_CONFERENCES = 48
CAM_PHA_PARTICIPANTS = 3400


@dataclass(frozen=True)
class ActivitySpec:
    unit: str
    date: datetime.date
    kind: str
    participants: int | None = None
    note: str = ""


def _district(code):
    return next(d for d in DISTRICTS if d.code == code)


def activity_plan() -> list[ActivitySpec]:
    plans = []
    wards = [code for code, _name in _district("195").communes]
    slots = []  # (ward, month) of each conference: every ward in turn, through the year
    for index in range(CAM_PHA_CONFERENCES):
        ward = wards[index % len(wards)]
        month = 1 + (index * 12) // CAM_PHA_CONFERENCES + (index % len(wards)) % 3
        slots.append((ward, min(month, 12)))
    weights = [3 + stable_int("conference", ward, index) % 5 for index, (ward, _month) in enumerate(slots)]
    participants = split_by_weights(CAM_PHA_PARTICIPANTS, weights)
    for index, ((ward, month), people) in enumerate(zip(slots, participants, strict=True)):
        day = 1 + stable_int("conference-day", ward, index) % 28
        plans.append(
            ActivitySpec(
                ward,
                datetime.date(2019, month, day),
                "conference",
                people,
                "Hội nghị tuyên truyền dịch vụ công trực tuyến",
            )
        )
    for index, (ward, _name) in enumerate(_district("196").communes[:4]):
        plans.append(
            ActivitySpec(
                ward,
                datetime.date(2018, 3 + 2 * index, 10 + index),
                "training",
                25 + stable_int("training", ward) % 30,
                "Tập huấn sử dụng Cổng dịch vụ công cho công chức một cửa",
            )
        )
    return plans
