"""The pages of periodic indicators: a unit's indicators with their latest figures and trends, the entry
form of a unit's values for one period, and the section of the unit page (reports.panels). Scope: a user
sees and enters only the units in their scope (units.selectors.unit_in_scope_or_404); any other answers
404."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import RowsRefused
from core.periods import Month, Period
from core.templatetags.portal import count, pct, period_label
from reports.params import url
from units.models import Unit
from units.selectors import unit_in_scope_or_404

from ..models import Indicator, Periodicity
from ..rules.indicators import (
    indicator_value_problems,
    parse_amount,
    parse_period,
    period_of,
    period_start_of,
    periodicity_of,
    shift_start,
    shown,
)
from ..selectors.indicators import indicator_series, own_values
from ..services.indicators import indicator_values_upsert

# The size of a trend's sparkline (SVG user units).
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3


def _unit_from(request) -> Unit:
    """The unit of ?unit=CODE, in the user's scope (else 404); without it, the first top unit of the
    user's scope."""
    code = request.GET.get("unit", "").strip()
    if code:
        return unit_in_scope_or_404(request.user, code)
    unit = Unit.objects.scope_roots_for(request.user).order_by("code").first()
    if unit is None:
        raise Http404(_("No unit in your scope."))
    return unit


def sparkline(series):
    """The trend of a Series as an inline SVG line: {"segments": [points], "dots": [(x, y)], "title":
    the figures in words, "width", "height"}; None with fewer than two figures. A period not reported is
    a gap."""
    values = series.trend_values
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    segments, current, dots = [], [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x = SPARK_PAD + index * step
        y = SPARK_HEIGHT - SPARK_PAD - float((value - low) / span) * (SPARK_HEIGHT - 2 * SPARK_PAD)
        current.append(f"{x:.1f},{y:.1f}")
        dots.append((f"{x:.1f}", f"{y:.1f}"))
    if current:
        segments.append(current)
    is_share = bool(series.indicator.denominator)
    words = [
        f"{period_label(figure.period)}: {pct(figure.share) if is_share else count(figure.value)}"
        for _start, figure in series.points
        if figure is not None
    ]
    return {
        "segments": [" ".join(points) for points in segments],
        "last": dots[-1],
        "title": "; ".join(words),
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
    }


def _entry_periods(indicators, today: datetime.date):
    """(periodicity, [(period text, label)]) of the periodicities of the active indicators: the current
    period and the one before, for the links to the entry form."""
    found = []
    for periodicity in Periodicity.values:
        if not any(i.periodicity == periodicity for i in indicators):
            continue
        current = period_start_of(periodicity, today)
        starts = [shift_start(periodicity, current, -1), current]
        periods = [period_of(periodicity, start) for start in starts]
        found.append((Periodicity(periodicity).label, [(str(p), period_label(p)) for p in periods]))
    return found


@login_required
def indicators(request):
    """GET /directing/indicators/?unit=CODE: the active indicators of the unit's subtree with their latest
    figures (the unit's own value, else the sum of the units below), the share where there is a
    denominator, and the trend of their last periods."""
    unit = _unit_from(request)
    series = indicator_series(unit)
    today = timezone.localdate()
    return render(
        request,
        "directing/indicators/indicators.html",
        {
            "unit": unit,
            "rows": [(item, sparkline(item)) for item in series],
            "children": Unit.objects.filter(parent=unit).order_by("code").only("code", "name"),
            "entry_periods": _entry_periods([item.indicator for item in series], today),
            "export_url": _export_url(unit, series),
        },
    )


def _export_url(unit, series) -> str | None:
    """The export of the values the page shows: from the first period of the trends to the latest period
    reported (None: nothing reported)."""
    latest = [item.latest.period.end for item in series if item.latest]
    if not latest:
        return None
    first = min(item.points[0][0] for item in series)
    return url("directing:indicators_export", unit=unit.code, period=Period(Month.of(first), max(latest)))


class ValueForm(forms.Form):
    """One indicator's row of the entry form: its value, its denominator (when it has one) and a note.
    A row left empty is not saved."""

    value = forms.CharField(
        label=gettext_lazy("Value"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
    )
    denominator = forms.CharField(
        label=gettext_lazy("Denominator"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        if not indicator.denominator:
            del self.fields["denominator"]

    def _amount(self, field):
        text = self.cleaned_data.get(field, "").strip()
        if not text:
            return None
        try:
            return parse_amount(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_value(self):
        return self._amount("value")

    def clean_denominator(self):
        return self._amount("denominator")

    def clean(self):
        data = super().clean()
        other = data.get("denominator") is not None or (data.get("note") or "").strip()
        if data.get("value") is None and "value" not in self.errors and other:
            self.add_error("value", _("a value is required"))
        return data

    def row(self, unit, start):
        """The row for indicator_values_upsert; None when the row is left empty."""
        if self.cleaned_data.get("value") is None:
            return None
        return {
            "indicator_id": self.indicator.pk,
            "unit_id": unit.pk,
            "period_start": start,
            "value": self.cleaned_data["value"],
            "denominator": self.cleaned_data.get("denominator"),
            "note": self.cleaned_data.get("note", ""),
        }


def _initial(stored):
    if stored is None:
        return {}
    return {
        "value": shown(stored.value),
        "denominator": "" if stored.denominator is None else shown(stored.denominator),
        "note": stored.note,
    }


def _period_from(request, indicators, today):
    """(period, error) of ?period=: a month, a quarter or a year not in the future; without it, the
    period before the current one of the first periodicity among the active indicators."""
    text = request.GET.get("period", "").strip()
    if not text:
        periodicity = next(
            (p for p in Periodicity.values if any(i.periodicity == p for i in indicators)), Periodicity.YEAR
        )
        return period_of(periodicity, shift_start(periodicity, period_start_of(periodicity, today), -1)), None
    try:
        period = parse_period(text)
    except ValueError as exc:
        return None, str(exc)
    if periodicity_of(period) is None:
        return None, _("%(period)s is not a month, a quarter or a year") % {"period": text}
    if period.start.first_day > today:
        return None, _("%(period)s is in the future") % {"period": period_label(period)}
    return period, None


@login_required
def entry(request):
    """GET, POST /directing/indicators/entry/?unit=CODE&period=PERIOD: the unit's own values of the
    active indicators of the period's periodicity (a month, a quarter or a year). POST saves every row
    filled in through indicator_values_upsert, all or nothing, and shows the refusals by their fields."""
    unit = _unit_from(request)
    today = timezone.localdate()
    active = list(Indicator.objects.filter(active=True))
    period, error = _period_from(request, active, today)
    context = {
        "unit": unit,
        "period": period,
        "error": error,
        "entry_periods": _entry_periods(active, today),
        "indicators_url": url("directing:indicators", unit=unit.code),
    }
    if period is None:
        return render(request, "directing/indicators/entry.html", context, status=400)
    start = period.start.first_day
    shown_indicators = [i for i in active if i.periodicity == periodicity_of(period)]
    stored = own_values(unit, shown_indicators, start)
    data = request.POST if request.method == "POST" else None
    rows = [
        ValueForm(data, prefix=indicator.code, indicator=indicator, initial=_initial(stored.get(indicator.pk)))
        for indicator in shown_indicators
    ]
    valid = [form.is_valid() for form in rows] if request.method == "POST" else []
    if request.method == "POST" and not all(valid):
        # The rules of the rows that parsed, so that every refusal shows at once (nothing is saved).
        for form in rows:
            if form.is_valid() and (row := form.row(unit, start)) is not None:
                for field, reason in indicator_value_problems(
                    row, form.indicator, unit, today, stored=form.indicator.pk in stored
                ):
                    form.add_error(field if field in form.fields else None, reason)
    if request.method == "POST" and all(valid):
        filled = [(form, row) for form in rows if (row := form.row(unit, start)) is not None]
        if not filled:
            context["form_error"] = _("Enter at least one value.")
        else:
            try:
                result = indicator_values_upsert([row for _form, row in filled], user=request.user, today=today)
            except RowsRefused as refused:
                for position, issues in refused.problems.items():
                    form = filled[position][0]
                    for field, reason in issues:
                        form.add_error(field if field in form.fields else None, reason)
            else:
                messages.success(
                    request,
                    _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
                return redirect(url("directing:indicator_entry", unit=unit.code, period=period))
    if request.method == "POST" and "form_error" not in context and any(form.errors for form in rows):
        context["form_error"] = _("Nothing was saved: correct the rows marked below.")
    context["rows"] = rows
    context["period_text"] = str(period)
    return render(request, "directing/indicators/entry.html", context)


def unit_panel(request, unit, period: Period, approved_only):
    """The unit page's section (reports.panels): the active indicators of the unit's subtree with their
    latest figure up to the end of the page's period and their trend. One query (no indicator reported),
    else two."""
    as_of = min(period.end.last_day, timezone.localdate())
    series = [item for item in indicator_series(unit, as_of=as_of) if item.latest is not None]
    if not series:
        return None
    return (
        "directing/indicators/_unit_panel.html",
        {
            "rows": [(item, sparkline(item)) for item in series],
            "indicators_url": url("directing:indicators", unit=unit.code),
        },
    )
