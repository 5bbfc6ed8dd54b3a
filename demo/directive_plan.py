"""The demo's directive (directing): Letter 1574/UBND-VHTT of the city of Hà Tĩnh, issued on 4 July 2019,
asking every ward and commune for three things by 9 August 2019. Every ward reported them done on time but
Văn Yên and Đại Nài, which never reported. Planned without the database."""

import datetime
from dataclasses import dataclass

from .arithmetic import stable_int
from .tree import DISTRICTS

NUMBER = "1574/UBND-VHTT"
ISSUED = datetime.date(2019, 7, 4)
ISSUER = "436"
TITLE = "Về việc đẩy mạnh tuyên truyền, hướng dẫn sử dụng dịch vụ công trực tuyến và dịch vụ bưu chính công ích"
DEADLINE = datetime.date(2019, 8, 9)
NOT_REPORTING = ("436.VANYEN", "436.DAINAI")


@dataclass(frozen=True)
class TaskSpec:
    title: str
    recurrence: str = ""
    times_per_week: int | None = None


TASKS = (
    TaskSpec("Treo pano, khẩu hiệu tuyên truyền dịch vụ công trực tuyến tại Bộ phận Một cửa"),
    TaskSpec(
        "Niêm yết công khai danh mục thủ tục hành chính tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích "
        "theo Quyết định 1174/QĐ-UBND"
    ),
    TaskSpec("Phát thanh tuyên truyền trên hệ thống truyền thanh cơ sở", "3 lần/tuần", 3),
)


def reports() -> dict[tuple[str, str], list[tuple[datetime.date, int | None]]]:
    """{(task title, ward code): [(the day it was done, times that week)]} of every ward that reported, on
    time: one report of a task done once (times None), one a week of the broadcasting, three times each
    week (directing.rules.directives.task_weeks: the weeks from 8 July to the deadline's week)."""
    wards = [code for code, _name in next(d for d in DISTRICTS if d.code == ISSUER).communes]
    span = (DEADLINE - ISSUED).days
    found = {}
    for task in TASKS:
        for ward in wards:
            if ward in NOT_REPORTING:
                continue
            if task.times_per_week is None:
                day = ISSUED + datetime.timedelta(days=5 + stable_int("1574", task.title, ward) % (span - 4))
                found[task.title, ward] = [(day, None)]
            else:
                found[task.title, ward] = [
                    (min(monday + datetime.timedelta(days=4), DEADLINE), task.times_per_week) for monday in WEEKS
                ]
    return found


# The Mondays of the weeks of the recurring task, 8 July to 5 August 2019 (as task_weeks computes them).
WEEKS = tuple(datetime.date(2019, 7, 8) + datetime.timedelta(weeks=k) for k in range(5))
