"""Import of monthly figures (report form 06 and the one-stop systems' exports).

Built for 100,000-row files: codes are resolved from two dicts loaded once, cells are parsed in one tight
loop without model instances, and the rows go to `filings_upsert`, the one write path for figures."""

import datetime
import re
from contextlib import suppress
from operator import itemgetter

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from imports.base import Column, Importer, RowIssue
from imports.parsers import parse_whole
from imports.registry import register
from imports.tabular import clean_text
from procedures.importers import procedure_code
from procedures.models import Procedure
from procedures.selectors import LevelIndex
from units.models import Unit

from .locks import UnitMonthLocked
from .models import COUNT_FIELDS, MAX_COUNT
from .rules import (
    IDENTITIES,
    balance_warnings,
    check_month,
    online_receipts_warning,
    parse_count,
    unit_inactive_reason,
)
from .services import Source, filings_upsert

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

_TITLE_PERIOD = re.compile(r"(?:kỳ báo cáo|tháng)\D{0,20}?(\d{1,2})\s*[/.-]\s*(\d{4})")
_MONTH_YEAR = re.compile(r"^(?:tháng|t)?\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")


def parse_period(value) -> tuple[int, int]:
    """(year, month) from `07/2019`, `7/2019`, `2019-07`, a date cell, or a text date read as
    day/month/year (meaning its month)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.year, value.month
    text = clean_text(value).casefold()
    if m := _MONTH_YEAR.match(text):
        return int(m[2]), int(m[1])
    if m := _YEAR_MONTH.match(text):
        return int(m[1]), int(m[2])
    if m := _DAY_MONTH_YEAR.match(text):
        try:
            datetime.date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            raise ValueError(_("%(value)r is not a real date") % {"value": clean_text(value)}) from None
        return int(m[3]), int(m[2])
    raise ValueError(_("%(value)r is not a month (write 07/2019 or 2019-07)") % {"value": clean_text(value)})


@register
class FilingImporter(Importer):
    kind = "filings"
    label = gettext_lazy("Monthly figures (report form 06)")
    columns = (
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("procedure_code", ("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính"), required=True),
        Column("period", ("Kỳ báo cáo", "Kỳ")),
        Column("year", ("Năm",)),
        Column("month", ("Tháng",)),
        *(Column(name, COUNT_LABELS[name]) for name in COUNT_FIELDS),
    )
    # The template offers `period` only: one way to say the month is enough.
    template_skip = ("year", "month")
    example = {
        "unit_code": "88101",
        "procedure_code": "1.001193",
        "period": "07/2025",
        "carried_over": 2,
        "received_online": 35,
        "received_direct": 15,
        "received_postal": 0,
        "resolved_early": 40,
        "resolved_on_time": 10,
        "resolved_late": 0,
        "pending_on_time": 2,
        "pending_overdue": 0,
        "returned_postal": 1,
    }

    def check_header(self):
        super().check_header()
        self.title_period = None
        if not self.present("period") and not (self.present("year") and self.present("month")):
            # Many reports name their month only in a title row ("Kỳ báo cáo: tháng 7/2024"); it then
            # applies to every row.
            self.title_period = self._period_in_titles()
            if self.title_period is None:
                self.errors.append(_missing_period(self.header.last_row))

    def _period_in_titles(self):
        sheet = getattr(self, "sheet", None)
        if sheet is None:
            return None
        for cells in sheet.rows[: self.header.first_row - sheet.first_row]:
            for value in cells:
                if isinstance(value, str) and (m := _TITLE_PERIOD.search(value.casefold())):
                    return int(m[2]), int(m[1])
        return None

    def parse(self, rows):
        columns = self.header.columns
        unit_col, procedure_col = columns["unit_code"], columns["procedure_code"]
        period_col, year_col, month_col = columns.get("period"), columns.get("year"), columns.get("month")
        title_period = self.title_period or (None, None)
        counts = [(name, columns[name]) for name in COUNT_FIELDS if name in columns]
        self.fields = [name for name, _col in counts]
        check_balance = self._balance_prefilter()
        width = max(columns.values()) + 1
        units = {unit.code: unit for unit in Unit.objects.only("code", "valid_from", "valid_to")}
        unit_ids = {code: unit.pk for code, unit in units.items()}
        units_by_id = {unit.pk: unit for unit in units.values()}
        procedure_ids = dict(Procedure.objects.values_list("code", "id"))
        today = timezone.localdate()
        unit_cache, procedure_cache, period_cache, month_ok, unit_month_ok = {}, {}, {}, {}, {}
        seen = {}
        parsed, numbers = [], []
        error = self.error

        for number, cells in rows:
            if len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            bad = False

            raw = cells[unit_col]
            unit_id = unit_cache.get(raw) if raw.__class__ is str else None
            if unit_id is None:
                code = clean_text(raw)
                unit_id = unit_ids.get(code)
                if unit_id is None:
                    error(
                        number,
                        "unit_code",
                        _("required value is empty") if not code else _("unknown unit code %(code)r") % {"code": code},
                    )
                    bad = True
                elif raw.__class__ is str:
                    unit_cache[raw] = unit_id

            raw = cells[procedure_col]
            procedure_id = procedure_cache.get(raw) if raw.__class__ is str else None
            if procedure_id is None:
                code = procedure_code(raw)
                procedure_id = procedure_ids.get(code)
                if procedure_id is None:
                    error(
                        number,
                        "procedure_code",
                        _("required value is empty")
                        if not code
                        else _("unknown procedure code %(code)r") % {"code": code},
                    )
                    bad = True
                elif raw.__class__ is str:
                    procedure_cache[raw] = procedure_id

            year, month = title_period
            if period_col is not None:
                raw = cells[period_col]
                try:
                    year, month = period_cache[raw]
                except (KeyError, TypeError):
                    if raw == "" or raw is None:
                        if year_col is None:
                            error(number, "period", _("required value is empty"))
                            bad = True
                    else:
                        try:
                            year, month = parse_period(raw)
                            with suppress(TypeError):  # an unhashable cell is parsed each time
                                period_cache[raw] = (year, month)
                        except ValueError as exc:
                            error(number, "period", exc)
                            bad = True
            if year_col is not None and month_col is not None:
                year_month = self._year_month(number, cells[year_col], cells[month_col])
                if year_month is False:
                    bad = True
                elif year is not None and year_month is not None and year_month != (year, month):
                    error(
                        number,
                        "period",
                        _("%(period)s disagrees with year %(year)s and month %(month)s")
                        % {"period": f"{month:02d}/{year}", "year": year_month[0], "month": year_month[1]},
                    )
                    bad = True
                elif year_month is not None:
                    year, month = year_month
                elif year is None and not bad:
                    error(number, "month", _("required value is empty"))
                    bad = True
            if year is not None and not bad:
                ok = month_ok.get((year, month))
                if ok is None:
                    try:
                        check_month(year, month, today)
                        ok = month_ok[(year, month)] = ""
                    except ValueError as exc:
                        ok = month_ok[(year, month)] = str(exc)
                if ok:
                    error(number, "period" if period_col is not None or self.title_period else "month", ok)
                    bad = True
                elif unit_id is not None:
                    inactive = unit_month_ok.get((unit_id, year, month), False)
                    if inactive is False:
                        inactive = unit_month_ok[unit_id, year, month] = unit_inactive_reason(
                            units_by_id[unit_id], year, month
                        )
                    if inactive:
                        error(number, "unit_code", inactive)
                        bad = True

            row = {"unit_id": unit_id, "procedure_id": procedure_id, "year": year, "month": month}
            for name, col in counts:
                value = cells[col]
                if value.__class__ is float and 0 <= value <= MAX_COUNT and value.is_integer():
                    row[name] = int(value)
                elif value == "":
                    row[name] = 0
                else:
                    try:
                        row[name] = parse_count(value)
                    except ValueError as exc:
                        error(number, name, exc)
                        bad = True
            if bad:
                continue
            key = (unit_id, procedure_id, year, month)
            first = seen.get(key)
            if first is not None:
                error(
                    number,
                    "unit_code",
                    _("duplicate of row %(row)s (same unit, procedure and month)") % {"row": first},
                )
                continue
            seen[key] = number
            if check_balance is not None and check_balance(row):
                for name, message in balance_warnings(row, self.fields):
                    self.warn(number, name, message)
            parsed.append(row)
            numbers.append(number)
        self.numbers = numbers
        if "received_online" in self.fields:
            self._online_warnings(parsed, numbers)
        return parsed

    def _online_warnings(self, parsed, numbers):
        """Online receipts of procedures the unit did not offer online that month (a warning)."""
        online_rows = [(row, number) for row, number in zip(parsed, numbers) if row["received_online"]]
        if not online_rows:
            return
        levels = LevelIndex.for_units({row["unit_id"] for row, _number in online_rows})
        codes = dict(Procedure.objects.values_list("id", "code"))
        for row, number in online_rows:
            level = levels.level(row["unit_id"], row["procedure_id"], row["year"], row["month"])
            message = online_receipts_warning(
                row["received_online"],
                level,
                procedure=codes[row["procedure_id"]],
                year=row["year"],
                month=row["month"],
            )
            if message:
                self.warn(number, "received_online", message)

    def _balance_prefilter(self):
        """A cheap test that lets through every row that `balance_warnings` (the rule, in filings.rules)
        may flag, so that the rule runs only on those: on 100,000 rows the rule itself costs seconds.
        None when no check applies to the columns present."""
        present = set(self.fields)
        sums = [
            (itemgetter(*identity.left), itemgetter(*identity.right))
            for identity in IDENTITIES
            if set(identity.fields) <= present
        ]
        resolved = ("resolved_early", "resolved_on_time", "resolved_late")
        postal = itemgetter(*resolved) if {"returned_postal", *resolved} <= present else None
        if not sums and postal is None:
            return None

        def may_warn(row):
            for left, right in sums:
                if sum(left(row)) != sum(right(row)):
                    return True
            return postal is not None and row["returned_postal"] > sum(postal(row))

        return may_warn

    def _year_month(self, number, raw_year, raw_month):
        """(year, month), None when both cells are empty, False after recording a problem."""
        if (raw_year == "" or raw_year is None) and (raw_month == "" or raw_month is None):
            return None
        result = []
        for key, raw, what in (("year", raw_year, _("year")), ("month", raw_month, _("month"))):
            if raw == "" or raw is None:
                self.error(number, key, _("required value is empty"))
                return False
            try:
                result.append(parse_whole(raw, what))
            except ValueError as exc:
                self.error(number, key, exc)
                return False
        return tuple(result)

    def write(self, parsed):
        try:
            result = filings_upsert(
                parsed, fields=self.fields, source=Source.IMPORT, user=self.user, note=self.file_name, force=self.force
            )
        except RowsRefused as refused:
            self.refused(refused, self.numbers, columns={"unit": "unit_code", "month": "period"})
            return 0, 0, 0
        except UnitMonthLocked as locked:
            self._locked(locked, parsed)
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    def _locked(self, exc, parsed):
        """Months the workflow has locked (approved or closed) refuse writes: name the rows they hit.
        `exc.locked` maps each refused (unit_id, year, month) to its message."""
        hint = "" if self.force else " " + _("(an admin may import it with --force / “overwrite locked months”)")
        for row, number in zip(parsed, self.numbers):
            message = exc.locked.get((row["unit_id"], row["year"], row["month"]))
            if message:
                self.error(number, "unit_code", str(message) + hint)


def _missing_period(row):
    return RowIssue(
        row,
        "Kỳ báo cáo",
        _("the file needs a period column (Kỳ báo cáo) or year and month columns (Năm, Tháng)"),
    )
