"""Forms of the entry pages. The grid's cells are checked by filings.rules, the import's own rules."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import Procedure
from reports.periods import Month, PeriodError
from units.models import Unit

from .models import COUNT_FIELDS, MonthlyFiling
from .rules import check_month, parse_count

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


class EntryForm:
    """The posted grid of one unit-month: which procedures, each cell's text, the version the user saw,
    and what to do (save, save and submit, add a procedure). Unit, year and month come from the URL,
    never from the posted data."""

    ACTIONS = ("save", "submit", "add")

    def __init__(self, data, *, unit: Unit, year: int, month: int):
        self.data = data
        self.unit, self.year, self.month = unit, year, month
        self.errors: dict[int, dict[str, str]] = {}
        self.summary: list[str] = []
        self.cells: dict[int, dict[str, str]] = {}
        self.procedures: dict[int, Procedure] = {}
        self.add_procedure: Procedure | None = None
        self.add_error = ""
        self.version = None
        self.action = data.get("action") if data.get("action") in self.ACTIONS else "save"

    def is_valid(self) -> bool:
        try:
            self.version = int(self.data.get("version", ""))
            if self.version < 0:
                raise ValueError
        except ValueError:
            self.summary.append(_("The form is incomplete (no version); reload the page."))
        ids = []
        for text in self.data.getlist("procedure"):
            if text.isdigit() and int(text) not in ids:
                ids.append(int(text))
            else:
                self.summary.append(_("Unknown procedure row “%(value)s”.") % {"value": text})
        self.procedures = Procedure.objects.in_bulk(ids)
        labels = {f: MonthlyFiling._meta.get_field(f).verbose_name for f in COUNT_FIELDS}
        for pid in ids:
            procedure = self.procedures.get(pid)
            if procedure is None:
                self.summary.append(_("Unknown procedure row “%(value)s”.") % {"value": pid})
                continue
            self.cells[pid] = {f: self.data.get(f"c-{pid}-{f}", "").strip() for f in COUNT_FIELDS}
            for name, text in self.cells[pid].items():
                try:
                    parse_count(text)
                except ValueError as exc:
                    self.errors.setdefault(pid, {})[name] = str(exc)
                    self.summary.append(
                        _("Procedure %(code)s, column “%(column)s”: %(reason)s")
                        % {"code": procedure.code, "column": labels[name], "reason": exc}
                    )
        if self.action == "add":
            code = self.data.get("add_procedure", "").split(" – ")[0].strip()
            self.add_procedure = Procedure.objects.filter(code=code).first() if code else None
            if self.add_procedure is None:
                self.add_error = _("No procedure with code “%(code)s” in the catalogue.") % {"code": code}
        return not self.summary

    def rows(self, stored_ids) -> list[dict]:
        """The rows for filings_upsert: every row with a figure, and every stored row (an emptied stored
        row becomes zeros; an empty new row is not stored)."""
        rows = []
        for pid, cells in self.cells.items():
            counts = {name: parse_count(text) for name, text in cells.items()}
            if pid not in stored_ids and not any(text for text in cells.values()):
                continue
            rows.append({"unit_id": self.unit.pk, "procedure_id": pid, "year": self.year, "month": self.month,
                         **counts})
        return rows


class DecisionForm(forms.Form):
    """A leader's approval or return, an admin's reopening."""

    action = forms.ChoiceField(choices=[("approve", "approve"), ("return", "return"), ("reopen", "reopen")])
    version = forms.IntegerField(min_value=0)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


def default_month():
    """The month usually being reported: the previous one while it is open for entry, then this one."""
    from .workflow import entry_deadline

    today = timezone.localdate()
    previous = Month.of(today).shift(-1)
    return previous if entry_deadline(previous.year, previous.month) >= today else Month.of(today)
