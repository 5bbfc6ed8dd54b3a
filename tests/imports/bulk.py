"""Filings files of many rows for the tests of background imports, warnings by kind and progress: every
unit of `units` reports every procedure of `procedures` for each month of `months` (of 2024)."""

import csv

HEADER = [
    "Mã đơn vị",
    "Mã TTHC",
    "Kỳ báo cáo",
    "Kỳ trước chuyển qua",
    "Tiếp nhận trực tuyến",
    "Tiếp nhận trực tiếp",
    "Tiếp nhận qua BCCI",
    "Giải quyết trước hạn",
    "Giải quyết đúng hạn",
    "Giải quyết quá hạn",
    "Đang giải quyết trong hạn",
    "Đang giải quyết quá hạn",
]
UNITS = ("881.TTHCC", "88101", "88102", "88103")
PROCEDURES = ("1.001193", "1.000894", "2.000815", "1.009994", "2.000720")


def filings_rows(*, units=UNITS, procedures=PROCEDURES, months=range(1, 13), online=5, unbalanced=0):
    """The rows, each balanced (carried over + received = resolved + pending) but the first `unbalanced`."""
    rows = []
    for month in months:
        for unit in units:
            for procedure in procedures:
                late = 1 if len(rows) < unbalanced else 0
                rows.append([unit, procedure, f"{month:02d}/2024", 0, online, 3, 0, online, 3, late, 0, 0])
    return rows


def write_filings_csv(path, **options):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(filings_rows(**options))
    return path
