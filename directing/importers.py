"""Import of outreach activities: one row per unit, day and kind, written by
directing.services.activities.activities_upsert (which applies the rules: directing.rules.activities).
Import of task assignments (TaskAssignmentImporter): tasks of directives assigned to units, written by
directing.services.directives (task_save, assignments_add)."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from core.templatetags.portal import period_label
from core.xlsx import COUNT, DATE, DECIMAL
from filings.rules import parse_count
from imports.base import EXPORT_CHUNK, Column, ExportTable, Importer, RowIssue
from imports.parsers import choice_parser, parse_code, parse_date, parse_text
from imports.registry import register
from imports.tabular import fold
from units.models import Unit, UnitKind

from .exports import ACTIVITY_KIND_WORDS, indicator_values_in, period_text
from .models import Activity, ActivityKind, Directive, Indicator, IndicatorValue, Task, TaskAssignment
from .rules.indicators import parse_amount, parse_period, period_of, period_start_for, shown
from .services.activities import activities_upsert
from .services.directives import assignments_add, communes_under, task_save
from .services.indicators import indicator_values_upsert

KIND_WORDS = {
    **{kind: kind for kind in ActivityKind.values},
    "hội nghị": ActivityKind.CONFERENCE,
    "tập huấn": ActivityKind.TRAINING,
    "phát thanh": ActivityKind.BROADCAST,
    "pano/khẩu hiệu": ActivityKind.PANEL,
    "pano": ActivityKind.PANEL,
    "khẩu hiệu": ActivityKind.PANEL,
    "tổ hướng dẫn": ActivityKind.GUIDE_TEAM,
    "khác": ActivityKind.OTHER,
}
parse_kind = choice_parser(KIND_WORDS, gettext_lazy("kind of activity"))


@register
class ActivityImporter(Importer):
    kind = "activities"
    label = gettext_lazy("Outreach activities")
    example = {
        "unit_code": "06766",
        "date": "15/03/2019",
        "kind": "hội nghị",
        "participants": "70",
        "note": "Hội nghị tuyên truyền DVC trực tuyến",
    }
    choices = {"kind": ("hội nghị", "tập huấn", "phát thanh", "pano/khẩu hiệu", "tổ hướng dẫn", "khác")}
    columns = (
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("date", ("Ngày",), required=True),
        Column("kind", ("Hình thức",), required=True),
        Column("participants", ("Số người tham dự",)),
        Column("note", ("Ghi chú",)),
    )

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "unit_code": self.cell(number, raw, "unit_code", parse_code, required=True),
            "date": self.cell(number, raw, "date", parse_date, required=True),
            "kind": self.cell(number, raw, "kind", parse_kind, required=True),
            "participants": self.cell(number, raw, "participants", parse_count),
            "note": self.cell(number, raw, "note", parse_text) or "",
        }
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        valid = self.with_units(super().parse(rows))
        self.check_duplicates(
            valid, lambda i: (i["unit_id"], i["date"], i["kind"]), _("unit, date and kind"), "unit_code"
        )
        return valid

    def write(self, parsed):
        rows = [{k: item[k] for k in ("unit_id", "date", "kind", "participants", "note")} for item in parsed]
        try:
            result = activities_upsert(rows)
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in parsed], {"unit": "unit_code"})
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the activities of a subtree's units on the period's days, the kind in
    # the words of the activities' export (directing.exports).
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        activities = Activity.objects.all()
        if unit is not None:
            activities = activities.filter(unit__in=Unit.objects.subtree(unit))
        if period is not None:
            activities = activities.filter(date__gte=period.start.first_day, date__lte=period.end.last_day)
        column = cls.export_column
        return ExportTable(
            columns=[
                column("unit_code"),
                column("date", DATE, 12),
                column("kind", width=16),
                column("participants", COUNT, 12),
                column("note", width=48),
            ],
            rows=(
                (code, day, ACTIVITY_KIND_WORDS.get(kind, kind), participants, note)
                for code, day, kind, participants, note in activities.order_by("unit__path", "date", "kind")
                .values_list("unit__code", "date", "kind", "participants", "note")
                .iterator(chunk_size=EXPORT_CHUNK)
            ),
        )

    # The preview of changes (imports.base): an activity by unit, date and kind.
    stored_fields = ("participants", "note")

    def row_keys(self, parsed):
        return [(item["_row"], (item["unit_id"], item["date"], item["kind"])) for item in parsed]

    def stored(self, parsed):
        return {
            (unit_id, date, kind): (participants, note)
            for unit_id, date, kind, participants, note in Activity.objects.filter(
                unit_id__in={item["unit_id"] for item in parsed}, date__in={item["date"] for item in parsed}
            )
            .order_by()
            .values_list("unit_id", "date", "kind", "participants", "note")
        }

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[0] for key in keys}).values_list("pk", "code"))
        return {key: f"{units.get(key[0], key[0])} · {key[1]:%d/%m/%Y} · {ActivityKind(key[2]).label}" for key in keys}


# --- periodic indicator values --------------------------------------------------------------------------


def _period_cell(value):
    """A period cell as written (2019, 2019-Q3, 07/2019, 2019-07) or a date cell; which periodicity it must
    be is the indicator's, checked once the indicator is known."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return parse_period(value)


@register
class IndicatorValueImporter(Importer):
    """Units' values of the periodic indicators an admin defined, one row per indicator, unit and period,
    written by directing.services.indicators.indicator_values_upsert (which applies the rules:
    directing.rules.indicators)."""

    kind = "indicator_values"
    label = gettext_lazy("Periodic indicator values")
    example = {
        "indicator": "official_mail",
        "unit_code": "502",
        "period": "2019",
        "value": "701",
        "denominator": "907",
        "note": "Tài khoản thư công vụ đang sử dụng",
    }
    columns = (
        Column("indicator", ("Mã chỉ tiêu",), required=True),
        Column("unit_code", ("Mã đơn vị",), required=True),
        Column("period", ("Kỳ",), required=True),
        Column("value", ("Giá trị",), required=True),
        Column("denominator", ("Mẫu số",)),
        Column("note", ("Ghi chú",)),
    )
    template_notes = (
        gettext_lazy(
            "Kỳ: 2019 for a yearly indicator, 2019-Q3 for a quarterly one, 07/2019 or 2019-07 for a monthly one. "
            "Mẫu số: required for the indicators that have a denominator, empty for the others."
        ),
    )

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "indicator_code": self.cell(number, raw, "indicator", parse_code, required=True),
            "unit_code": self.cell(number, raw, "unit_code", parse_code, required=True),
            "period": self.cell(number, raw, "period", _period_cell, required=True),
            "value": self.cell(number, raw, "value", parse_amount, required=True),
            "denominator": self.cell(number, raw, "denominator", parse_amount),
            "note": self.cell(number, raw, "note", parse_text) or "",
        }
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = self.with_units(super().parse(rows))
        # An indicator by its code, ignoring case (an admin defines a few dozen at most: one query).
        indicators = {
            code.casefold(): (pk, periodicity)
            for code, pk, periodicity in Indicator.objects.values_list("code", "pk", "periodicity")
        }
        valid = []
        for item in parsed:
            found = indicators.get(item["indicator_code"].casefold())
            if found is None:
                self.error(
                    item["_row"], "indicator", _("unknown indicator %(code)r") % {"code": item["indicator_code"]}
                )
                continue
            item["indicator_id"], periodicity = found
            try:
                item["period_start"] = period_start_for(periodicity, item["period"])
            except ValueError as exc:
                self.error(item["_row"], "period", exc)
                continue
            valid.append(item)
        self.check_duplicates(
            valid,
            lambda i: (i["indicator_id"], i["unit_id"], i["period_start"]),
            _("indicator, unit and period"),
            "period",
        )
        return valid

    def write(self, parsed):
        fields = ("indicator_id", "unit_id", "period_start", "value", "denominator", "note")
        rows = [{k: item[k] for k in fields} for item in parsed]
        try:
            result = indicator_values_upsert(rows, user=self.user)
        except RowsRefused as refused:
            self.refused(
                refused,
                [item["_row"] for item in parsed],
                {"indicator": "indicator", "unit": "unit_code", "period_start": "period"},
            )
            return 0, 0, 0
        return result.created, result.updated, result.unchanged

    # The export (imports.exports): the values of a subtree's units, of the periods wholly inside the
    # period given (directing.exports.indicator_values_in, as the indicators' page exports them).
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        units = Unit.objects.subtree(unit) if unit is not None else Unit.objects.all()
        if period is not None:
            values = indicator_values_in(units, period)
        else:
            values = IndicatorValue.objects.filter(unit__in=units).order_by(
                "indicator__position", "indicator__code", "unit__code", "period_start"
            )
        column = cls.export_column
        return ExportTable(
            columns=[
                column("indicator", width=18),
                column("unit_code"),
                column("period", width=10),
                column("value", DECIMAL, 14),
                column("denominator", DECIMAL, 14),
                column("note", width=40),
            ],
            rows=(
                (code, unit_code, period_text(periodicity, start), value, denominator, note)
                for code, periodicity, unit_code, start, value, denominator, note in values.values_list(
                    "indicator__code",
                    "indicator__periodicity",
                    "unit__code",
                    "period_start",
                    "value",
                    "denominator",
                    "note",
                ).iterator(chunk_size=EXPORT_CHUNK)
            ),
        )

    # The preview of changes (imports.base): a value by indicator, unit and period.
    stored_fields = ("value", "denominator", "note")

    def row_keys(self, parsed):
        return [(item["_row"], (item["indicator_id"], item["unit_id"], item["period_start"])) for item in parsed]

    def stored(self, parsed):
        return {
            (indicator_id, unit_id, start): (value, denominator, note)
            for indicator_id, unit_id, start, value, denominator, note in IndicatorValue.objects.filter(
                indicator_id__in={item["indicator_id"] for item in parsed},
                unit_id__in={item["unit_id"] for item in parsed},
                period_start__in={item["period_start"] for item in parsed},
            )
            .order_by()
            .values_list("indicator_id", "unit_id", "period_start", "value", "denominator", "note")
        }

    def describe_keys(self, keys):
        units = dict(Unit.objects.filter(pk__in={key[1] for key in keys}).values_list("pk", "code"))
        indicators = {
            pk: (code, periodicity)
            for pk, code, periodicity in Indicator.objects.filter(pk__in={key[0] for key in keys}).values_list(
                "pk", "code", "periodicity"
            )
        }
        described = {}
        for key in keys:
            code, periodicity = indicators.get(key[0], (key[0], None))
            period = period_label(period_of(periodicity, key[2])) if periodicity else f"{key[2]:%d/%m/%Y}"
            described[key] = f"{code} · {units.get(key[1], key[1])} · {period}"
        return described

    def display(self, field, value):
        if field in ("value", "denominator") and value is not None:
            return shown(value)
        return super().display(field, value)


# --- task assignments ---------------------------------------------------------------------------------


@register
class TaskAssignmentImporter(Importer):
    """Tasks of directives assigned to units: a row per task and unit, or per task and unit whose communes
    and wards are all assigned (as assignments_add's `all_communes_under`). A row with a deadline creates
    the task, or changes its deadline (task_save); without one the task must exist. Written through
    directing.services.directives, which applies the rules (a deadline not before the day of issue, units
    that existed on it)."""

    kind = "task_assignments"
    label = gettext_lazy("Task assignments")
    example = {
        "directive": "1574/UBND-VHTT",
        "task": "Treo pano, khẩu hiệu tuyên truyền dịch vụ công trực tuyến tại Bộ phận Một cửa",
        "all_communes_under": "436",
        "deadline": "09/08/2019",
    }
    columns = (
        Column("directive", ("Số văn bản",), required=True),
        Column("task", ("Nhiệm vụ",), required=True),
        Column("unit_code", ("Mã đơn vị",)),
        Column("all_communes_under", ("Tất cả xã, phường thuộc",)),
        Column("deadline", ("Hạn",)),
    )
    template_notes = (
        gettext_lazy(
            "Each row names one unit (Mã đơn vị) or a unit whose communes and wards are all assigned (Tất cả xã, "
            "phường thuộc), not both. Without a deadline (Hạn) the task must exist; with one it is added, or its "
            "deadline changed."
        ),
    )
    UNIT_COLUMNS = ("unit_code", "all_communes_under")

    def check_header(self):
        super().check_header()
        if not any(self.present(key) for key in self.UNIT_COLUMNS):
            labels = {key: self.column(key).label for key in self.UNIT_COLUMNS}
            self.errors.append(
                RowIssue(
                    self.header.last_row,
                    labels["unit_code"],
                    _("required column is missing (header “%(unit)s” or “%(under)s”)")
                    % {"unit": labels["unit_code"], "under": labels["all_communes_under"]},
                )
            )

    def parse_row(self, number, raw):
        errors = len(self.errors)
        item = {
            "_row": number,
            "directive": self.cell(number, raw, "directive", parse_code, required=True),
            "task": self.cell(number, raw, "task", parse_text, required=True),
            "unit_code": self.cell(number, raw, "unit_code", parse_code),
            "under_code": self.cell(number, raw, "all_communes_under", parse_code),
            "deadline": self.cell(number, raw, "deadline", parse_date),
        }
        if len(self.errors) == errors:
            if item["unit_code"] and item["under_code"]:
                self.error(
                    number,
                    "all_communes_under",
                    _("give a unit code or a unit whose communes are all assigned, not both"),
                )
            elif not item["unit_code"] and not item["under_code"]:
                self.error(
                    number,
                    "unit_code" if self.present("unit_code") else "all_communes_under",
                    _("a unit code, or a unit whose communes are all assigned, is required"),
                )
        return item if len(self.errors) == errors else None

    def parse(self, rows):
        parsed = super().parse(rows)
        parsed = self._with_directives(parsed)
        parsed = self._with_units(parsed)
        self._with_tasks(parsed)
        self.check_duplicates(
            [item for item in parsed if item["unit"] is not None],
            lambda i: (i["task_key"], i["unit"].pk),
            _("directive, task and unit"),
            "unit_code",
        )
        self.check_duplicates(
            [item for item in parsed if item["under"] is not None],
            lambda i: (i["task_key"], i["under"].pk),
            _("directive, task and unit whose communes are assigned"),
            "all_communes_under",
        )
        self._warn_without_communes(parsed)
        return parsed

    def _with_directives(self, parsed):
        directives = Directive.objects.in_bulk({item["directive"] for item in parsed}, field_name="number")
        valid = []
        for item in parsed:
            item["directive_obj"] = directives.get(item["directive"])
            if item["directive_obj"] is None:
                self.error(item["_row"], "directive", _("unknown directive %(number)r") % {"number": item["directive"]})
            else:
                valid.append(item)
        return valid

    def _with_units(self, parsed):
        codes = {item[key] for item in parsed for key in ("unit_code", "under_code") if item[key]}
        units = Unit.objects.in_bulk(codes, field_name="code")
        valid = []
        for item in parsed:
            item["unit"], item["under"] = units.get(item["unit_code"]), units.get(item["under_code"])
            known = True
            for key, column in (("unit_code", "unit_code"), ("under_code", "all_communes_under")):
                if item[key] and item[key] not in units:
                    self.error(item["_row"], column, _("unknown unit code %(code)r") % {"code": item[key]})
                    known = False
            if known:
                valid.append(item)
        return valid

    def _with_tasks(self, parsed):
        """Each row's task: the stored one of that title (compared ignoring case and runs of white space),
        or one a row of the file gives a deadline to; the deadlines given for a task must agree."""
        stored = {}
        for task in Task.objects.filter(directive__in={item["directive_obj"].pk for item in parsed}):
            stored.setdefault((task.directive_id, fold(task.title)), task)
        deadlines = {}
        for item in parsed:
            key = (item["directive_obj"].pk, fold(item["task"]))
            item["task_key"], item["task_obj"] = key, stored.get(key)
            if item["task_obj"] is not None:
                item["task"] = item["task_obj"].title
            if item["deadline"] is None:
                continue
            if key not in deadlines:
                deadlines[key] = item
            elif deadlines[key]["deadline"] != item["deadline"]:
                first = deadlines[key]
                self.error(
                    item["_row"],
                    "deadline",
                    _("row %(row)s gives this task another deadline (%(deadline)s)")
                    % {"row": first["_row"], "deadline": f"{first['deadline']:%d/%m/%Y}"},
                )
        for item in parsed:
            if item["task_obj"] is None and item["task_key"] not in deadlines:
                self.error(
                    item["_row"],
                    "task",
                    _("directive %(number)s has no task %(task)r: give its deadline (%(column)s) to add it")
                    % {"number": item["directive"], "task": item["task"], "column": self.column_text("deadline")},
                )

    def _warn_without_communes(self, parsed):
        found = {}
        for item in parsed:
            if item["under"] is None:
                continue
            day = item["directive_obj"].issued
            key = (item["under"].pk, day)
            if key not in found:
                found[key] = communes_under(item["under"], day).exists()
            if not found[key]:
                self.warn(
                    item["_row"],
                    "all_communes_under",
                    _("no commune or ward under %(unit)s existed on %(date)s: nothing is assigned")
                    % {"unit": item["under"].code, "date": f"{day:%d/%m/%Y}"},
                    gettext_lazy("no commune or ward under the unit: nothing is assigned"),
                )

    def write(self, parsed):
        """Per task: task_save when a row gives its deadline, then assignments_add for its units and for
        each unit whose communes are all assigned. Every refusal is named by row and column; with any, the
        runner rolls everything back. Counts: tasks added (created), given another deadline (updated) or
        the same (unchanged); assignments added (created) or already there (unchanged)."""
        created = updated = unchanged = 0
        by_task = {}
        for item in parsed:
            by_task.setdefault(item["task_key"], []).append(item)
        for items in by_task.values():
            first, task = items[0], items[0]["task_obj"]
            given = next((item for item in items if item["deadline"] is not None), None)
            if given is not None:
                try:
                    with transaction.atomic():
                        saved = task_save(
                            first["directive_obj"],
                            title=first["task"],
                            deadline=given["deadline"],
                            recurrence=task.recurrence if task else "",
                            times_per_week=task.times_per_week if task else None,
                        )
                except RowsRefused as refused:
                    self.refused(refused, [given["_row"]], {"title": "task"})
                    continue
                if task is None:
                    created += 1
                elif task.deadline != given["deadline"]:
                    updated += 1
                else:
                    unchanged += 1
                task = saved
            added, targeted = self._assign(task, items)
            created += added
            unchanged += max(0, targeted - added)
        return created, updated, unchanged

    def _assign(self, task, items):
        """Assign `task` to the units of `items`; (assignments added, units the rows name)."""
        unit_items = [item for item in items if item["unit"] is not None]
        targeted = {item["unit"].pk for item in unit_items}
        added = 0
        try:
            with transaction.atomic():
                added += assignments_add(task, [item["unit"] for item in unit_items])
        except RowsRefused as refused:
            self.refused(refused, [item["_row"] for item in unit_items], {"unit": "unit_code"})
        for item in items:
            if item["under"] is None:
                continue
            day = item["directive_obj"].issued
            targeted |= set(communes_under(item["under"], day).values_list("pk", flat=True))
            try:
                with transaction.atomic():
                    added += assignments_add(task, all_communes_under=item["under"])
            except RowsRefused as refused:
                self.refused(refused, [item["_row"]], {"unit": "all_communes_under"})
        return added, len(targeted)

    # The export (imports.exports): a row per task and assigned unit of a subtree, with the task's
    # deadline (so that the file also adds the tasks to a database without them), those whose deadline
    # falls in the period.
    export_limits = frozenset({"unit", "period"})

    @classmethod
    def export_table(cls, *, unit=None, period=None):
        assignments = TaskAssignment.objects.all()
        if unit is not None:
            assignments = assignments.filter(unit__in=Unit.objects.subtree(unit))
        if period is not None:
            assignments = assignments.filter(
                task__deadline__gte=period.start.first_day, task__deadline__lte=period.end.last_day
            )
        column = cls.export_column
        return ExportTable(
            columns=[
                column("directive", width=18),
                column("task", width=48),
                column("deadline", DATE, 12),
                column("unit_code"),
            ],
            rows=assignments.order_by("task__directive__issued", "task__directive__number", "task__title", "unit__path")
            .values_list("task__directive__number", "task__title", "task__deadline", "unit__code")
            .iterator(chunk_size=EXPORT_CHUNK),
        )

    # The preview of changes (imports.base): a row's key is its directive, task and unit (or the unit whose
    # communes are assigned); its values the task's deadline and the units assigned.
    stored_fields = ("deadline", "unit_code")

    def row_keys(self, parsed):
        return [(item["_row"], self._key(item)) for item in parsed]

    @staticmethod
    def _key(item):
        if item["unit"] is not None:
            return (item["directive"], item["task"], "unit", item["unit"].code)
        return (item["directive"], item["task"], "under", item["under"].code)

    def stored(self, parsed):
        tasks = {
            (task.directive.number, task.title): task
            for task in Task.objects.filter(
                directive__number__in={item["directive"] for item in parsed},
                title__in={item["task"] for item in parsed},
            ).select_related("directive")
        }
        assigned = {}
        for task_id, code, path, kind in TaskAssignment.objects.filter(task__in=tasks.values()).values_list(
            "task_id", "unit__code", "unit__path", "unit__kind"
        ):
            assigned.setdefault(task_id, []).append((code, path, kind))
        found = {}
        for item in parsed:
            task = tasks.get((item["directive"], item["task"]))
            if task is None:
                continue
            units = assigned.get(task.pk, [])
            key = self._key(item)
            if item["unit"] is not None:
                codes = tuple(code for code, _path, _kind in units if code == item["unit"].code)
            else:
                codes = tuple(
                    sorted(
                        code
                        for code, path, kind in units
                        if kind == UnitKind.COMMUNE and path.startswith(item["under"].path)
                    )
                )
            if codes:
                found[key] = (task.deadline, codes)
        return found

    def describe_keys(self, keys):
        under = self.column("all_communes_under").label
        return {key: " · ".join([key[0], key[1], key[3] if key[2] == "unit" else f"{under} {key[3]}"]) for key in keys}
