"""Forms of the entry pages. The grid's cells are checked by filings.rules, the import's own rules."""

import json
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import Month, PeriodError
from units.models import Unit

from .kinds import PER_PROCEDURE
from .models import COUNT_FIELDS, FIGURE_FIELDS, SCORE_FIELDS, MonthlyFiling
from .rules import RETURN_REASON_MAX, check_month, parse_count, parse_optional_count, unit_inactive_reason

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$|^\s*(\d{1,2})/(\d{4})\s*$")


def parse_month(text) -> Month:
    """`2019-07` or `07/2019`; raises ValueError with the reason (a future month is refused)."""
    m = _MONTH.match(text or "")
    if not m:
        raise ValueError(_("write the month as 2019-07 or 07/2019"))
    year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
    check_month(year, month)
    try:
        return Month(year, month)
    except PeriodError as exc:
        raise ValueError(str(exc)) from None


# A row's id as the page sends it: a database id (ASCII digits, within a bigint).
_ROW_ID = re.compile(r"[0-9]{1,18}")


class StartForm(forms.Form):
    """Which unit and month to open."""

    unit = forms.CharField(label=gettext_lazy("Unit"))
    month = forms.CharField(label=gettext_lazy("Month"), help_text=gettext_lazy("e.g. 2019-07"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        # Accept "CODE – name" as the suggestion list writes it.
        code = code.split(" – ")[0].strip()
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("No unit with code “%(code)s” in your scope.") % {"code": code})
        return unit

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        unit, month = cleaned.get("unit"), cleaned.get("month")
        if unit and month:
            reason = unit_inactive_reason(unit, month.year, month.month)
            if reason:
                self.add_error("month", reason)
        return cleaned


class EntryForm:
    """The changes posted from one unit-month's grid. static/js/entry.js sends the rows the clerk changed
    as one JSON field, `changes` ({"<row id>": {"<count>": "<text as typed>", ...}}, rows of procedures or,
    for a unit-month reported per field, of fields: `kind`, filings.kinds), so that a save
    posts a handful of fields whatever the size of the month (a centre offers up to 2,000 procedures;
    Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields); with it the version the
    user saw, what to do (save, or save and submit) and whether the warnings were confirmed. Unit, year
    and month come from the URL, never from the posted data."""

    ACTIONS = ("save", "submit")
    MAX_ROWS = 5000

    def __init__(self, data, *, unit: Unit, year: int, month: int, kind=PER_PROCEDURE):
        self.data = data
        self.unit, self.year, self.month = unit, year, month
        self.kind = kind
        self.errors: dict[int, dict[str, str]] = {}
        self.summary: list[str] = []
        self.cells: dict[int, dict[str, str]] = {}
        self.version = None
        self.action = data.get("action") if data.get("action") in self.ACTIONS else "save"
        self.confirm_warnings = data.get("confirm_warnings") in ("1", "on")

    def _changes(self):
        try:
            changes = json.loads(self.data.get("changes") or "{}")
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            changes = None
        if not isinstance(changes, dict) or not all(isinstance(cells, dict) for cells in changes.values()):
            self.summary.append(_("The changes sent by the page could not be read; reload the page."))
            return {}
        if len(changes) > self.MAX_ROWS:
            self.summary.append(_("Save at most %(count)s rows at a time.") % {"count": self.MAX_ROWS})
            return {}
        return changes

    def is_valid(self) -> bool:
        try:
            self.version = int(self.data.get("version", ""))
            if self.version < 0:
                raise ValueError
        except ValueError:
            self.summary.append(_("The form is incomplete (no version); reload the page."))
        changes = self._changes()
        ids = {}
        for key in changes:
            if _ROW_ID.fullmatch(key):
                ids[int(key)] = key
            else:
                self.summary.append(_("Unknown row “%(value)s”.") % {"value": key})
        items = self.kind.item_model.objects.filter(pk__in=list(ids)).only("code").in_bulk()
        labels = {f: MonthlyFiling._meta.get_field(f).verbose_name for f in FIGURE_FIELDS}
        for pid, key in sorted(ids.items(), key=lambda item: getattr(items.get(item[0]), "code", "")):
            item = items.get(pid)
            if item is None:
                self.summary.append(_("Unknown row “%(value)s”.") % {"value": key})
                continue
            posted = changes[key]
            self.cells[pid] = {}
            # Form 06's counts always (an empty cell is 0); the Decision 766 counts the page sent (an empty
            # cell is "not reported"; one not sent keeps its stored value).
            for name in (*COUNT_FIELDS, *(name for name in SCORE_FIELDS if name in posted)):
                value = posted.get(name)
                text = "" if value is None else str(value).strip() if isinstance(value, (str, int, float)) else None
                self.cells[pid][name] = text if text is not None else ""
                try:
                    if text is None:
                        raise ValueError(_("%(value)r is not a whole number") % {"value": value})
                    parse_count(text)
                except ValueError as exc:
                    self.errors.setdefault(pid, {})[name] = str(exc)
                    self.summary.append(
                        _("%(row)s, column “%(column)s”: %(reason)s")
                        % {"row": self.kind.item_label % {"code": item.code}, "column": labels[name], "reason": exc}
                    )
        return not self.summary

    # What rows() hands to the write service: every figure (a Decision 766 count not sent is the stored one).
    fields = FIGURE_FIELDS

    def rows(self) -> list[dict]:
        """The rows for filings_upsert (or field_filings_upsert): every changed row with a figure, and every
        changed stored row (an emptied stored row becomes zeros, its Decision 766 counts not reported; an
        empty new row is not stored)."""
        item = self.kind.item
        stored = {
            values[0]: dict(zip(SCORE_FIELDS, values[1:]))
            for values in self.kind.model.objects.filter(
                unit=self.unit, year=self.year, month=self.month, **{f"{item}__in": list(self.cells)}
            ).values_list(item, *SCORE_FIELDS)
        }
        rows = []
        for pid, cells in self.cells.items():
            if pid not in stored and not any(cells.values()):
                continue
            scores = stored.get(pid, {})
            rows.append(
                {
                    "unit_id": self.unit.pk,
                    item: pid,
                    "year": self.year,
                    "month": self.month,
                    **{name: parse_count(cells[name]) for name in COUNT_FIELDS},
                    **{
                        name: parse_optional_count(cells[name]) if name in cells else scores.get(name)
                        for name in SCORE_FIELDS
                    },
                }
            )
        return rows


class DecisionForm(forms.Form):
    """A leader's approval or return, an admin's reopening."""

    action = forms.ChoiceField(choices=[("approve", "approve"), ("return", "return"), ("reopen", "reopen")])
    version = forms.IntegerField(min_value=0)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=RETURN_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def default_month():
    """The month usually being reported: the previous one while it is open for entry, then this one."""
    from .locks import entry_deadline

    today = timezone.localdate()
    previous = Month.of(today).shift(-1)
    return previous if entry_deadline(previous.year, previous.month) >= today else Month.of(today)
