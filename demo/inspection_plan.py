"""The demo's inspection (directing): in October 2018 Hải Phòng city inspected seven of its units, three
departments and four districts, on their infrastructure, staff, outreach and electronic one-stop system;
the report was due by 15 November 2018 and made on the 13th, and the conclusion of 20 November made three
recommendations, with deadlines, to the units that fell short (most done on time, one late, one never).
Planned without the database; demo.seeding writes it through directing.services.inspections."""

import datetime
from dataclasses import dataclass

from directing.models import FindingResult

NUMBER = "198/KH-UBND"
TITLE = "Kiểm tra công tác cải cách hành chính, triển khai dịch vụ công trực tuyến và cơ chế một cửa năm 2018"
INSPECTOR = "31"
PLANNED = datetime.date(2018, 9, 25)  # the day the plan was signed: nothing of it before
START = datetime.date(2018, 10, 8)
END = datetime.date(2018, 10, 26)
REPORT_DUE = datetime.date(2018, 11, 15)
REPORTED_ON = datetime.date(2018, 11, 13)
RECOMMENDED_ON = datetime.date(2018, 11, 20)  # the conclusion, with its recommendations

TEAM = "\n".join(
    [
        "Trần Minh Đức, Phó Chánh Văn phòng UBND thành phố, Trưởng đoàn",
        "Nguyễn Thị Thu Hà, Trưởng phòng Kiểm soát thủ tục hành chính, Văn phòng UBND thành phố",
        "Phạm Văn Long, Chuyên viên Sở Nội vụ",
        "Đỗ Hoàng Nam, Chuyên viên Sở Thông tin và Truyền thông",
    ]
)

INFRASTRUCTURE = "Cơ sở vật chất, trang thiết bị"
STAFF = "Nhân lực"
OUTREACH = "Công tác tuyên truyền"
ONE_STOP = "Hệ thống một cửa điện tử"
TOPICS = (INFRASTRUCTURE, STAFF, OUTREACH, ONE_STOP)

# The units visited, by day: three departments of the city, then four districts.
VISITS = (
    ("31.SNV", datetime.date(2018, 10, 9)),
    ("31.STTTT", datetime.date(2018, 10, 11)),
    ("31.STP", datetime.date(2018, 10, 12)),
    ("303", datetime.date(2018, 10, 16)),
    ("304", datetime.date(2018, 10, 18)),
    ("305", datetime.date(2018, 10, 23)),
    ("306", datetime.date(2018, 10, 25)),
)

M, P, F = FindingResult.MEETS, FindingResult.PARTLY, FindingResult.FAILS

# {unit: {topic: (result, note)}}; a topic not given met the checklist without remark.
FINDINGS = {
    "31.SNV": {
        OUTREACH: (P, "Chưa có chuyên mục hướng dẫn sử dụng dịch vụ công trực tuyến trên trang thông tin điện tử."),
        ONE_STOP: (P, "Một số hồ sơ chưa được cập nhật trạng thái xử lý trên hệ thống."),
    },
    "31.STTTT": {},
    "31.STP": {
        INFRASTRUCTURE: (P, "Bộ phận Một cửa thiếu máy quét tài liệu để số hóa hồ sơ."),
    },
    "303": {
        STAFF: (P, "Công chức Bộ phận Một cửa làm kiêm nhiệm, chưa được tập huấn về dịch vụ công trực tuyến."),
        ONE_STOP: (F, "Hồ sơ tiếp nhận trực tiếp chưa được nhập vào Hệ thống một cửa điện tử."),
    },
    "304": {
        INFRASTRUCTURE: (F, "Chưa có máy tính tra cứu cho người dân; khu vực chờ chật hẹp."),
        OUTREACH: (P, "Chưa treo pano, khẩu hiệu về dịch vụ công trực tuyến tại Bộ phận Một cửa."),
    },
    "305": {
        OUTREACH: (F, "Chưa tổ chức tuyên truyền về dịch vụ công trực tuyến tại các phường."),
        ONE_STOP: (P, "Chậm cập nhật kết quả giải quyết hồ sơ trên hệ thống."),
    },
    "306": {
        INFRASTRUCTURE: (P, "Trang thiết bị đã cũ, thường xuyên hỏng."),
        STAFF: (P, "Bộ phận Một cửa còn thiếu 01 công chức."),
        OUTREACH: (P, "Tuyên truyền chưa thường xuyên."),
    },
}


@dataclass(frozen=True)
class RecommendationSpec:
    title: str
    topic: str  # the units whose finding on this topic fell short receive it
    deadline: datetime.date


RECOMMENDATIONS = (
    RecommendationSpec(
        "Bố trí đủ trang thiết bị (máy tính tra cứu, máy quét) và khu vực chờ tại Bộ phận Một cửa",
        INFRASTRUCTURE,
        datetime.date(2018, 12, 31),
    ),
    RecommendationSpec(
        "Đẩy mạnh tuyên truyền, hướng dẫn người dân sử dụng dịch vụ công trực tuyến mức độ 3, 4",
        OUTREACH,
        datetime.date(2018, 12, 31),
    ),
    RecommendationSpec(
        "Cập nhật đầy đủ, kịp thời hồ sơ tiếp nhận và kết quả giải quyết trên Hệ thống một cửa điện tử",
        ONE_STOP,
        datetime.date(2019, 1, 31),
    ),
)

# {(recommendation title, unit): the day it reported the recommendation done}; 306 reported the equipment
# late, 305 never reported the one-stop system.
DONE = {
    (RECOMMENDATIONS[0].title, "31.STP"): datetime.date(2018, 12, 20),
    (RECOMMENDATIONS[0].title, "304"): datetime.date(2018, 12, 28),
    (RECOMMENDATIONS[0].title, "306"): datetime.date(2019, 1, 15),
    (RECOMMENDATIONS[1].title, "31.SNV"): datetime.date(2018, 12, 5),
    (RECOMMENDATIONS[1].title, "304"): datetime.date(2018, 12, 12),
    (RECOMMENDATIONS[1].title, "305"): datetime.date(2018, 12, 26),
    (RECOMMENDATIONS[1].title, "306"): datetime.date(2018, 12, 31),
    (RECOMMENDATIONS[2].title, "31.SNV"): datetime.date(2019, 1, 18),
    (RECOMMENDATIONS[2].title, "303"): datetime.date(2019, 1, 30),
}

REPORT = (
    "Từ ngày 08/10 đến ngày 26/10/2018, Đoàn kiểm tra của UBND thành phố đã kiểm tra 07 đơn vị (03 sở, 04 quận) "
    "về cơ sở vật chất, nhân lực, công tác tuyên truyền và việc sử dụng Hệ thống một cửa điện tử.\n"
    "Sở Thông tin và Truyền thông đáp ứng đầy đủ các nội dung kiểm tra; các đơn vị còn lại còn một số tồn tại về "
    "trang thiết bị tại Bộ phận Một cửa, tuyên truyền dịch vụ công trực tuyến và cập nhật hồ sơ trên hệ thống.\n"
    "Đoàn kiểm tra đề nghị UBND thành phố ban hành kết luận, yêu cầu các đơn vị khắc phục trong thời hạn."
)


def findings(unit: str) -> list[tuple[str, str, str]]:
    """[(topic, result, note)] of one visited unit, one per topic in the checklist's order."""
    given = FINDINGS[unit]
    return [(topic, *given.get(topic, (M, ""))) for topic in TOPICS]


def recommended_units(spec: RecommendationSpec) -> list[str]:
    """The visited units whose finding on the recommendation's topic fell short, in the order visited."""
    return [unit for unit, _day in VISITS if FINDINGS[unit].get(spec.topic, (M, ""))[0] != M]
