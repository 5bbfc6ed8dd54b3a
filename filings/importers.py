"""Import of monthly figures (report form 06 and the one-stop systems' exports).

Built for 100,000-row files: codes are resolved from two dicts loaded once, cells are parsed in one tight
loop without model instances, and the rows go to `filings_upsert`, the one write path for figures."""

import datetime
import re
from contextlib import suppress
from itertools import batched
from operator import itemgetter

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from imports.base import Column, ExportTable, Importer, RowIssue
from imports.parsers import parse_whole
from imports.registry import register
from imports.tabular import FileProblem, clean_text
from procedures.importers import procedure_code
from procedures.models import Field, Procedure, fold_field_name
from procedures.selectors import LevelIndex
from units.models import Unit

from .exports import figures_table
from .form06 import form06_template
from .kinds import PER_FIELD, PER_PROCEDURE
from .labels import COUNT_LABELS, SCORE_LABELS
from .locks import UnitMonthLocked
from .models import COUNT_FIELDS, MAX_COUNT, SCORE_FIELDS
from .rules import (
    IDENTITIES,
    SCORE_CEILINGS,
    balance_warnings,
    check_month,
    online_receipts_warning,
    parse_count,
    score_warnings,
    unit_inactive_reason,
)
from .services import Source, field_filings_upsert, filings_upsert

# Report form 06 as filed (biểu số 06/VPCP/KSTT, II.06a): short headings under group headings, where "Quá
# hạn" is resolved late under one group and pending overdue under the other (imports.tabular matches
# "group > heading" first). "Tổng số" columns are not stored: they are checked against their parts.
_GROUPS = {
    "received": ("Tiếp nhận", "Số hồ sơ nhận giải quyết", "Số hồ sơ tiếp nhận"),
    "resolved": ("Số lượng hồ sơ đã giải quyết", "Số hồ sơ đã giải quyết", "Đã giải quyết"),
    "pending": ("Số lượng hồ sơ đang giải quyết", "Số hồ sơ đang giải quyết", "Đang giải quyết"),
}
_UNDER_GROUP = {
    "carried_over": ("received", ("Từ kỳ trước", "Kỳ trước chuyển qua", "Từ kỳ trước chuyển qua")),
    "received_online": ("received", ("Trực tuyến",)),
    # The official form counts the desk and the post together; then received_postal is 0.
    "received_direct": ("received", ("Trực tiếp", "Trực tiếp, dịch vụ bưu chính", "Trực tiếp, qua dịch vụ bưu chính")),
    "received_postal": ("received", ("Dịch vụ bưu chính", "Qua BCCI", "Qua dịch vụ BCCI", "Bưu chính công ích")),
    "resolved_early": ("resolved", ("Trước hạn",)),
    "resolved_on_time": ("resolved", ("Đúng hạn",)),
    "resolved_late": ("resolved", ("Quá hạn",)),
    "pending_on_time": ("pending", ("Trong hạn",)),
    "pending_overdue": ("pending", ("Quá hạn",)),
    "received_total": ("received", ("Tổng số",)),
    "resolved_total": ("resolved", ("Tổng số",)),
    "pending_total": ("pending", ("Tổng số",)),
}
# Headings that mean one thing alone too (not "Quá hạn", not "Tổng số").
_ALONE = ("carried_over", "received_online", "received_direct", "resolved_early", "resolved_on_time", "pending_on_time")
# What each "Tổng số" of the form adds up (received: the new filings and those carried over).
TOTALS = {
    "received_total": ("carried_over", "received_online", "received_direct", "received_postal"),
    "resolved_total": ("resolved_early", "resolved_on_time", "resolved_late"),
    "pending_total": ("pending_on_time", "pending_overdue"),
}


def _is_desk_and_post(heading) -> bool:
    """Whether the heading of the desk column is form 06's "Trực tiếp, dịch vụ bưu chính" (both together)."""
    return bool(heading) and "bưu chính" in heading.casefold()


def form06_labels(key) -> tuple[str, ...]:
    """The headings a column of `key` goes by in report form 06: `group > heading`, and alone when that
    is not ambiguous."""
    group, headings = _UNDER_GROUP[key]
    labels = tuple(f"{g} > {h}" for g in _GROUPS[group] for h in headings)
    return labels + (headings if key in _ALONE else ())


_TITLE_PERIOD = re.compile(r"(?:kỳ báo cáo|tháng)\D{0,20}?(\d{1,2})\s*[/.-]\s*(\d{4})")
_MONTH_YEAR = re.compile(r"^(?:tháng|t)?\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")


# The kinds of warning (Importer.warn), by which a file's many warnings are summarised ("98.762 rows: does
# not balance ..."; imports.issues).
TOTAL_DIFFERS = gettext_lazy("a total differs from the sum of its parts")
DOES_NOT_BALANCE = gettext_lazy("does not balance (carried over + received = resolved + pending)")
RETURNED_ABOVE_RESOLVED = gettext_lazy("more results returned by post than resolved")
SCORE_ABOVE_PART = gettext_lazy("a Decision 766 count is more than what it counts a part of")
NOT_OFFERED_ONLINE = gettext_lazy("received online, but not offered online that month")


def balance_kind(field):
    """The kind of a warning of filings.rules.balance_warnings, by the field it names."""
    return RETURNED_ABOVE_RESOLVED if field == "returned_postal" else DOES_NOT_BALANCE


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
        # Or --unit, for a report of one unit that names it only in its title.
        Column("unit_code", ("Mã đơn vị",)),
        Column("procedure_code", ("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính"), required=True),
        Column("period", ("Kỳ báo cáo", "Kỳ")),
        Column("year", ("Năm",)),
        Column("month", ("Tháng",)),
        *(
            Column(name, COUNT_LABELS[name] + (form06_labels(name) if name in _UNDER_GROUP else ()))
            for name in COUNT_FIELDS
        ),
        *(Column(name, form06_labels(name)) for name in TOTALS),
        *(Column(name, SCORE_LABELS[name]) for name in SCORE_FIELDS),
    )
    # The template offers `period` only: one way to say the month is enough.
    template_skip = ("year", "month", *TOTALS)
    template_notes = (
        gettext_lazy(
            "The columns of Decision 766, from “Đồng bộ Cổng DVCQG” to “Đánh giá hài lòng”, are optional: delete "
            "those the unit does not report, since an empty cell counts as 0."
        ),
    )
    accepts_unit = True
    # What keys a row besides unit and month, and the rows handed to which write service.
    item_column, item_key = "procedure_code", "procedure_id"
    # Group rows of the official form ("I. Cấp xã") have no counts: skipped like blank rows.
    skip_rows_without_counts = False
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
        "synced": 50,
        "fee_required": 12,
        "paid_online": 7,
        "digitised": 48,
        "e_results": 45,
        "ratings": 18,
        "ratings_satisfied": 17,
    }

    def check_header(self):
        super().check_header()
        self.default_unit_id = None
        if self.unit_code:
            unit = Unit.objects.filter(code=self.unit_code).only("pk").first()
            if unit is None:
                self.errors.append(
                    RowIssue(None, "--unit", _("--unit: unknown unit code %(code)r") % {"code": self.unit_code})
                )
            elif self.present("unit_code"):
                self.errors.append(
                    RowIssue(None, "--unit", _("--unit: the file has a unit column (Mã đơn vị) already"))
                )
            else:
                self.default_unit_id = unit.pk
        elif not self.present("unit_code"):
            self.errors.append(
                RowIssue(
                    self.header.last_row,
                    "Mã đơn vị",
                    _(
                        "required column is missing (header “Mã đơn vị” or “unit_code”); or give the unit with --unit "
                        "(the import page's “Unit” box)"
                    ),
                )
            )
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
        unit_col, item_col = columns.get("unit_code"), columns[self.item_column]
        period_col, year_col, month_col = columns.get("period"), columns.get("year"), columns.get("month")
        title_period = self.title_period or (None, None)
        # Form 06's counts and the Decision 766 counts alike: an empty cell of a present column is 0.
        counts = [(name, columns[name]) for name in (*COUNT_FIELDS, *SCORE_FIELDS) if name in columns]
        totals = [(name, columns[name], TOTALS[name]) for name in TOTALS if name in columns]
        count_cols = [col for _name, col in counts] + [col for _name, col, _parts in totals]
        self.fields = [name for name, _col in counts]
        # The official form counts the desk and the post in one column: nothing came by post apart, and a
        # postal count stored before (from a file with its own column) must not be added to it again.
        combined = "received_postal" not in columns and _is_desk_and_post(self.header.texts.get("received_direct"))
        if combined:
            self.fields.append("received_postal")
        check_balance = self._balance_prefilter()
        check_scores = any(set(ceiling.fields) <= set(self.fields) for ceiling in SCORE_CEILINGS)
        width = max(columns.values()) + 1
        units = {unit.code: unit for unit in Unit.objects.only("code", "valid_from", "valid_to")}
        unit_ids = {code: unit.pk for code, unit in units.items()}
        units_by_id = {unit.pk: unit for unit in units.values()}
        item_ids, item_of = self.item_ids(), self.item_lookup_key
        item_key = self.item_key
        is_group_row = self.is_group_row
        today = timezone.localdate()
        unit_cache, item_cache, period_cache, month_ok, unit_month_ok = {}, {}, {}, {}, {}
        seen = {}
        parsed, numbers = [], []
        error = self.error

        for number, cells in rows:
            if len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            bad = False
            if self.skip_rows_without_counts and all(cells[col] == "" or cells[col] is None for col in count_cols):
                continue
            if is_group_row is not None and is_group_row(cells[item_col]):
                continue  # "I. Cấp xã" with the level's subtotals: the field rows below it are the figures

            raw = cells[unit_col] if unit_col is not None else None
            unit_id = unit_cache.get(raw) if raw.__class__ is str else self.default_unit_id
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

            raw = cells[item_col]
            item_id = item_cache.get(raw) if raw.__class__ is str else None
            if item_id is None:
                code = item_of(raw)
                item_id = item_ids.get(code)
                if item_id is None:
                    error(
                        number,
                        self.item_column,
                        _("required value is empty") if not code else self.unknown_item(raw),
                    )
                    bad = True
                elif raw.__class__ is str:
                    item_cache[raw] = item_id

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

            row = {"unit_id": unit_id, item_key: item_id, "year": year, "month": month}
            if combined:
                row["received_postal"] = 0
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
            for name, col, parts in totals:
                value = cells[col]
                if value == "" or value is None:
                    continue
                try:
                    stated = parse_count(value)
                except ValueError as exc:
                    error(number, name, exc)
                    bad = True
                    continue
                added = sum(row.get(part, 0) for part in parts)
                if stated != added and all(part in row for part in parts if part != "received_postal"):
                    self.warn(
                        number,
                        name,
                        _("the total %(stated)s differs from the sum of its parts, %(added)s")
                        % {
                            "stated": number_format(stated, force_grouping=True),
                            "added": number_format(added, force_grouping=True),
                        },
                        TOTAL_DIFFERS,
                    )
            if bad:
                continue
            key = (unit_id, item_id, year, month)
            first = seen.get(key)
            if first is not None:
                error(
                    number,
                    "unit_code" if unit_col is not None else self.item_column,
                    _("duplicate of row %(row)s (same unit, %(item)s and month)")
                    % {"row": first, "item": self.item_label},
                )
                continue
            seen[key] = number
            if check_balance is not None and check_balance(row):
                for name, message in balance_warnings(row, self.fields):
                    self.warn(number, name, message, balance_kind(name))
            if check_scores:
                for name, message in score_warnings(row, self.fields):
                    self.warn(number, name, message, SCORE_ABOVE_PART)
            parsed.append(row)
            numbers.append(number)
        self.numbers = numbers
        if "received_online" in self.fields and self.item_key == "procedure_id":
            self._online_warnings(parsed, numbers)
        return parsed

    item_label = gettext_lazy("procedure")
    # A callable telling a group row of the file (skipped) from a row of figures, or None.
    is_group_row = None

    def item_ids(self):
        """{code: id} of what the rows name besides the unit."""
        return dict(Procedure.objects.values_list("code", "id"))

    def item_lookup_key(self, raw):
        """What `item_ids` is keyed by, from a cell."""
        return procedure_code(raw)

    def unknown_item(self, raw):
        return _("unknown procedure code %(code)r") % {"code": procedure_code(raw)}

    def parse_json(self, document):
        """OpenCPS statistics: the rows per procedure and per field, in one list (written apart)."""
        rows = OpenCpsStatistics(self).parse(document)
        self.fields = list(OPENCPS_COUNTS)
        self.numbers = [number for number, _row in rows]
        parsed = [row for _number, row in rows]
        per_procedure = [(row, number) for row, number in zip(parsed, self.numbers) if "procedure_id" in row]
        if per_procedure:
            self._online_warnings(*map(list, zip(*per_procedure)))
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
                self.warn(number, "received_online", message, NOT_OFFERED_ONLINE)

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
        """Figures per procedure through filings_upsert; an OpenCPS file's figures per field through
        field_filings_upsert, in the same transaction."""
        groups = {}
        for row, number in zip(parsed, self.numbers):
            groups.setdefault("field_id" in row, ([], []))
            groups["field_id" in row][0].append(row)
            groups["field_id" in row][1].append(number)
        counts = [0, 0, 0]
        for per_field, (rows, numbers) in groups.items():
            upsert = field_filings_upsert if per_field else filings_upsert
            try:
                result = upsert(
                    rows,
                    fields=self.fields,
                    source=Source.IMPORT,
                    user=self.user,
                    note=self.file_name,
                    force=self.force,
                )
            except RowsRefused as refused:
                self.refused(refused, numbers, columns=self.refusal_columns)
                return 0, 0, 0
            except UnitMonthLocked as locked:
                self._locked(locked, rows, numbers)
                return 0, 0, 0
            counts = [a + b for a, b in zip(counts, (result.created, result.updated, result.unchanged))]
        return tuple(counts)

    @property
    def refusal_columns(self):
        if self.header is None:  # JSON
            return {"unit": "govAgencyCode", "month": "month"}
        return {"unit": "unit_code" if self.present("unit_code") else self.item_column, "month": "period"}

    def _locked(self, exc, rows, numbers):
        """Months the workflow has locked (approved or closed) refuse writes: name the rows they hit.
        `exc.locked` maps each refused (unit_id, year, month) to its message."""
        hint = "" if self.force else " " + _("(an admin may import it with --force / “overwrite locked months”)")
        column = self.refusal_columns["unit"]
        for row, number in zip(rows, numbers):
            message = exc.locked.get((row["unit_id"], row["year"], row["month"]))
            if message:
                self.error(number, column, str(message) + hint)

    # The export (imports.exports): the figures of a subtree's units in the period's months, in the layout
    # of the page's export (filings.exports.figures_table), which this importer reads. A Decision 766 count
    # that only some rows report is left out, with a warning: its empty cells would import as 0.
    export_limits = frozenset({"unit", "period"})
    export_kind = PER_PROCEDURE

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        units = Unit.objects.subtree(unit) if unit is not None else Unit.objects.all()
        table = figures_table(cls.export_kind, units, period, partly_reported="leave_out")
        warnings = [
            _(
                "column %(label)s left out: %(count)s of the %(rows)s rows report it, the others do not, and an "
                "empty cell would import as 0; export the units or months that report it on their own"
            )
            % {"label": SCORE_LABELS[name][0], "count": count, "rows": table.row_count}
            for name, count in table.left_out.items()
        ]
        return ExportTable(columns=table.columns, rows=table.rows, warnings=warnings)

    # The preview of changes (imports.base): the ten counts and the Decision 766 counts of each row's unit,
    # procedure (or field) and month, per procedure or per field as the row is.
    stored_fields = (*COUNT_FIELDS, *SCORE_FIELDS)

    def row_keys(self, parsed):
        for row, number in zip(parsed, self.numbers, strict=True):
            kind = PER_FIELD if "field_id" in row else PER_PROCEDURE
            yield number, (kind.item, row["unit_id"], row[kind.item], row["year"], row["month"])

    def stored(self, parsed):
        found = {}
        for kind in (PER_PROCEDURE, PER_FIELD):
            rows = [row for row in parsed if kind.item in row]
            if not rows:
                continue
            months = Q()
            for year, month in {(row["year"], row["month"]) for row in rows}:
                months |= Q(year=year, month=month)
            for batch in batched(sorted({row["unit_id"] for row in rows}), 2000):
                for unit_id, item_id, year, month, *counts in (
                    kind.model.objects.filter(months, unit_id__in=batch)
                    .order_by()
                    .values_list("unit_id", kind.item, "year", "month", *self.stored_fields)
                ):
                    found[kind.item, unit_id, item_id, year, month] = tuple(counts)
        return found

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[1] for key in keys}).values_list("pk", "code"))
        items = {
            kind.item: dict(
                kind.item_model.objects.filter(pk__in={key[2] for key in keys if key[0] == kind.item}).values_list(
                    "pk", "name" if kind is PER_FIELD else "code"
                )
            )
            for kind in (PER_PROCEDURE, PER_FIELD)
        }
        return {
            key: f"{units.get(key[1], key[1])} · {items[key[0]].get(key[2], key[2])} · {key[4]:02d}/{key[3]}"
            for key in keys
        }

    def shown_when_created(self, field, value):
        # A new row's counts of the columns the file gives; the others are 0 (a Decision 766 count: not
        # reported).
        return field in self.fields or bool(value)

    def display(self, field, value):
        # A Decision 766 count not reported, as the history page shows it.
        if value is None and field in SCORE_FIELDS:
            return "—"
        return super().display(field, value)


# OpenCPS statistics (org.opencps.statistic.rest.dto.DossierStatisticData): our count <- its key.
OPENCPS_COUNTS = {
    "carried_over": "remainingCount",
    "received_online": "onlineCount",
    "received_postal": "fromViaPostalCount",
    "received_direct": "onegateCount",
    "resolved_early": "betimesCount",
    "resolved_on_time": "ontimeCount",
    "resolved_late": "overtimeCount",
    "pending_on_time": "undueCount",
    "pending_overdue": "overdueCount",
}
_AGGREGATE = {"total", "all"}


class OpenCpsStatistics:
    """`import_data filings FILE.json`: the body of OpenCPS's statistics API (CONTRACT.md). Objects with a
    `serviceCode` are figures per procedure, the others per field (`domainCode`, else `domainName`); the
    agency (`govAgencyCode`) is the unit's code. Aggregates (an empty or "total" agency, a "total" or
    "all" domain or service, an agency's total without either) are skipped. Row numbers count the
    objects from 1; columns are named by the JSON's keys."""

    def __init__(self, importer):
        self.importer = importer
        self.units = {unit.code: unit for unit in Unit.objects.only("code", "valid_from", "valid_to")}
        self.procedures = dict(Procedure.objects.values_list("code", "id"))
        self.fields_by_code, self.fields_by_name = {}, {}
        for pk, code, name in Field.objects.values_list("pk", "code", "name"):
            self.fields_by_code[code] = pk
            self.fields_by_name.setdefault(fold_field_name(name), pk)
        self.today = timezone.localdate()

    def objects(self, document):
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            return document["data"]
        if isinstance(document, list):
            return document
        raise FileProblem(
            _('%(name)s: expected the statistics API\'s body, {"total": N, "data": [...]}, or a list of objects')
            % {"name": self.importer.file_name}
        )

    def parse(self, document):
        error = self.importer.error
        rows, seen, grains = [], {}, {}
        for number, item in enumerate(self.objects(document), start=1):
            if not isinstance(item, dict):
                error(number, "data", _("not an object"))
                continue
            agency, service, domain_code, domain_name = (
                clean_text(item.get(key) if item.get(key) is not None else "")
                for key in ("govAgencyCode", "serviceCode", "domainCode", "domainName")
            )
            if not agency or {agency.casefold(), service.casefold(), domain_code.casefold()} & _AGGREGATE:
                continue
            if not service and not domain_code and not domain_name:
                continue  # the agency's total
            bad = len(self.importer.errors)
            unit = self.units.get(agency)
            if unit is None:
                error(number, "govAgencyCode", _("unknown unit code %(code)r") % {"code": agency})
            year, month = self._month(number, item)
            row = {"unit_id": unit.pk if unit else None, "year": year, "month": month}
            if service:
                row["procedure_id"] = self.procedures.get(service)
                if row["procedure_id"] is None:
                    error(number, "serviceCode", _("unknown procedure code %(code)r") % {"code": service})
            else:
                field_id = self.fields_by_code.get(domain_code) if domain_code else None
                if field_id is None and domain_name:
                    field_id = self.fields_by_name.get(fold_field_name(domain_name))
                row["field_id"] = field_id
                if field_id is None:
                    key = "domainCode" if domain_code else "domainName"
                    error(number, key, _("unknown field %(field)r") % {"field": domain_code or domain_name})
            self._counts(number, item, row)
            if unit is not None and year is not None:
                inactive = unit_inactive_reason(unit, year, month)
                if inactive:
                    error(number, "govAgencyCode", inactive)
            if len(self.importer.errors) > bad:
                continue
            key = (row["unit_id"], row.get("procedure_id"), row.get("field_id"), year, month)
            if key in seen:
                error(number, "govAgencyCode", _("duplicate of row %(row)s") % {"row": seen[key]})
                continue
            seen[key] = number
            grain = "procedure" if service else "field"
            first = grains.setdefault((row["unit_id"], year, month), (grain, number))
            if first[0] != grain:
                error(
                    number,
                    "serviceCode",
                    _(
                        "row %(row)s gives this unit-month per %(first)s: a unit-month is reported per procedure or "
                        "per field, not both"
                    )
                    % {"row": first[1], "first": first[0]},
                )
                continue
            for name, message in balance_warnings(row, OPENCPS_COUNTS):
                self.importer.warn(number, OPENCPS_COUNTS.get(name, name), message, balance_kind(name))
            rows.append((number, row))
        return rows

    def _month(self, number, item):
        year, month = item.get("year"), item.get("month")
        for key, value in (("year", year), ("month", month)):
            if value is None or value == "":
                self.importer.error(number, key, _("required value is missing"))
                return None, None
        try:
            year, month = parse_whole(year, _("year")), parse_whole(month, _("month"))
            check_month(year, month, self.today)
        except ValueError as exc:
            self.importer.error(number, "month", exc)
            return None, None
        return year, month

    def _counts(self, number, item, row):
        """The counts of an object; a key absent means 0 (received_direct: received - online - postal)."""
        for name, key in OPENCPS_COUNTS.items():
            value = item.get(key)
            if value is None and name == "received_direct" and item.get("receivedCount") is not None:
                try:
                    received = parse_count(item["receivedCount"])
                except ValueError as exc:
                    self.importer.error(number, "receivedCount", exc)
                    continue
                value = received - row.get("received_online", 0) - row.get("received_postal", 0)
                if value < 0:
                    self.importer.error(
                        number,
                        "receivedCount",
                        _("%(received)s received is less than the online and postal receipts") % {"received": received},
                    )
                    continue
            try:
                row[name] = parse_count(value) if not isinstance(value, bool) else parse_count(str(value))
            except ValueError as exc:
                self.importer.error(number, key, exc)


@register
class FieldFilingImporter(FilingImporter):
    """Report form 06 as offices file it: one row per field (lĩnh vực), one unit per file (`--unit`, or a
    unit column), the month in a column or in the title rows ("Kỳ báo cáo: tháng 8/2024"); group rows
    ("I. Cấp xã") and the totals row skipped; written by field_filings_upsert."""

    kind = "field_filings"
    label = gettext_lazy("Monthly figures per field (official form 06)")
    export_kind = PER_FIELD
    columns = (
        Column("unit_code", ("Mã đơn vị",)),
        Column(
            "field",
            (
                "Lĩnh vực, công việc giải quyết theo cấp",
                "Lĩnh vực giải quyết",
                "Lĩnh vực",
                "Mã lĩnh vực",
                "Tên lĩnh vực",
            ),
            required=True,
        ),
        *FilingImporter.columns[2:],
    )
    item_column, item_key = "field", "field_id"
    item_label = gettext_lazy("field")
    skip_rows_without_counts = True
    example = {
        "field": "Hộ tịch",
        "period": "08/2024",
        "carried_over": 3,
        "received_online": 48,
        "received_direct": 61,
        "received_postal": 0,
        "resolved_early": 37,
        "resolved_on_time": 72,
        "resolved_late": 1,
        "pending_on_time": 2,
        "pending_overdue": 0,
        "returned_postal": 0,
    }
    template_skip = ("unit_code", "year", "month", *TOTALS)
    # OpenCPS statistics hold rows per procedure and per field: they are imported as `filings`.
    parse_json = None
    # The blank file is the official layout itself (imports.workbooks).
    template_workbook = staticmethod(form06_template)

    @staticmethod
    def is_group_row(value):
        """Form 06 groups its fields by level ("I. Cấp xã", "II. CẤP HUYỆN"), sometimes with subtotals."""
        return value.__class__ is str and _LEVEL_GROUP.match(clean_text(value).casefold()) is not None

    def item_ids(self):
        """Fields by code and by folded name (NFC, case and spacing folded, "Lĩnh vực " optional)."""
        ids, self._codes = {}, set()
        for pk, code, name in Field.objects.values_list("pk", "code", "name"):
            ids.setdefault(fold_field_name(name), pk)
            ids[code] = pk
            self._codes.add(code)
        return ids

    def item_lookup_key(self, raw):
        text = clean_text(raw)
        return text if text in self._codes else fold_field_name(text)

    def unknown_item(self, raw):
        return _("unknown field %(field)r (a field's code or name)") % {"field": clean_text(raw)}


_LEVEL_GROUP = re.compile(r"^(?:[ivx]+\s*[.)]?\s*)?cấp\s+(?:xã|huyện|tỉnh|sở|bộ)\s*$")


def _missing_period(row):
    return RowIssue(
        row,
        "Kỳ báo cáo",
        _("the file needs a period column (Kỳ báo cáo) or year and month columns (Năm, Tháng)"),
    )
