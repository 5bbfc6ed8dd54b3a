"""How files head the figures' columns: each count by its Vietnamese labels, the first of them the one the
portal writes (exports, templates). The import (filings.importers) also knows each count by its key and
by report form 06's headings under their groups."""

# Each count by its key, the short label of CONTRACT.md and the full label of report form 06.
COUNT_LABELS = {
    "carried_over": ("Kỳ trước chuyển qua", "Số hồ sơ kỳ trước chuyển qua", "Từ kỳ trước chuyển qua"),
    "received_online": ("Tiếp nhận trực tuyến", "Số hồ sơ tiếp nhận trực tuyến"),
    "received_direct": ("Tiếp nhận trực tiếp", "Số hồ sơ tiếp nhận trực tiếp"),
    "received_postal": (
        "Tiếp nhận qua BCCI",
        "Tiếp nhận qua dịch vụ BCCI",
        "Tiếp nhận qua dịch vụ bưu chính công ích",
    ),
    "resolved_early": ("Giải quyết trước hạn", "Đã giải quyết trước hạn"),
    "resolved_on_time": ("Giải quyết đúng hạn", "Đã giải quyết đúng hạn"),
    "resolved_late": ("Giải quyết quá hạn", "Đã giải quyết quá hạn"),
    "pending_on_time": ("Đang giải quyết trong hạn",),
    "pending_overdue": ("Đang giải quyết quá hạn",),
    "returned_postal": (
        "Trả kết quả qua BCCI",
        "Trả kết quả qua dịch vụ BCCI",
        "Trả kết quả qua dịch vụ bưu chính công ích",
    ),
}

# The optional counts of Decision 766/QĐ-TTg (CONTRACT.md), by key and Vietnamese label. A file without
# such a column leaves the count as stored (not reported, None, for a new row); an empty cell is 0.
SCORE_LABELS = {
    "synced": ("Đồng bộ Cổng DVCQG",),
    "fee_required": ("Phải nộp phí, lệ phí",),
    "paid_online": ("Thanh toán trực tuyến",),
    "digitised": ("Số hóa hồ sơ",),
    "e_results": ("Kết quả điện tử",),
    "ratings": ("Lượt đánh giá",),
    "ratings_satisfied": ("Đánh giá hài lòng",),
}
