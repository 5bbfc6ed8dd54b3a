"""The catalogue of procedures the demo loads: real procedures of the national database (code, name,
field) with the demo's popularity, online propensity and service levels, and generated ones that make up
the counts the field figures need (301 procedures at Cẩm Phả's centre, 96 at each ward)."""

from .arithmetic import stable_int
from .specs import FULL, NONE, PARTIAL, ProcedureSpec

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
    ProcedureSpec("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", _HO_TICH, "commune", 8, 50, FULL, FULL),
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
    ProcedureSpec("2.001016", "Chứng thực văn bản từ chối nhận di sản", _CHUNG_THUC, "commune", 1, 10, NONE, PARTIAL),
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
    ProcedureSpec("2.000950", "Công nhận tổ trưởng tổ hòa giải", "Hòa giải ở cơ sở", "commune", 1, 10, NONE, PARTIAL),
    ProcedureSpec("2.000930", "Thôi làm hòa giải viên", "Hòa giải ở cơ sở", "commune", 1, 10, NONE, PARTIAL),
]
DISTRICT_PROCEDURES = [
    ProcedureSpec("1.009994", "Cấp giấy phép xây dựng", "Hoạt động xây dựng", "district", 6, 35),
    ProcedureSpec("1.001612", "Đăng ký thành lập hộ kinh doanh", _HKD, "district", 10, 55, FULL),
    ProcedureSpec("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", _HKD, "district", 6, 50),
    ProcedureSpec("1.001570", "Tạm ngừng hoạt động hộ kinh doanh", _HKD, "district", 3, 45),
    ProcedureSpec("1.001266", "Chấm dứt hoạt động hộ kinh doanh", _HKD, "district", 2, 45),
    ProcedureSpec("2.000575", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh", _HKD, "district", 1, 40),
    ProcedureSpec("2.000528", "Đăng ký khai sinh có yếu tố nước ngoài", _HO_TICH, "district", 1, 20, PARTIAL, PARTIAL),
    ProcedureSpec("2.000806", "Đăng ký kết hôn có yếu tố nước ngoài", _HO_TICH, "district", 1, 15, PARTIAL, PARTIAL),
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


def generated_procedures(prefix: str) -> list[ProcedureSpec]:
    """The generated procedures of one prefix: H (district level), X (commune level), T (province level)."""
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


def procedure_catalogue() -> list[ProcedureSpec]:
    """Every procedure of the demo: the real ones, then the generated district, commune and province ones."""
    generated = [p for prefix in "HXT" for p in generated_procedures(prefix)]
    return COMMUNE_PROCEDURES + DISTRICT_PROCEDURES + generated
