"""What the management commands share: one-line usage errors (exit status 2), period and code
arguments, JSON and plain-text tables with numbers formatted for the active language."""

import datetime
import json
import unicodedata

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.formats import number_format

from .periods import Period, PeriodError

USAGE_ERROR = 2
RIGHT_ALIGNED = {
    "activities",
    "participants",
    "rank",
    "numerator",
    "denominator",
    "value",
    "target",
    "gap",
    "threshold",
    "points",
    "max",
    "needed",
}


def usage_error(message):
    return CommandError(message, returncode=USAGE_ERROR)


def period_arg(text):
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise usage_error(f"--period: {exc}") from None


def today_arg(text):
    """The day of `--today YYYY-MM-DD` (default: today), or a usage error naming the option."""
    if text is None:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise usage_error(f"--today: {text!r} is not a date (YYYY-MM-DD)") from None


def code_arg(queryset, code, *, option, what):
    """The object of `queryset` with that code, or a usage error naming the option."""
    found = queryset.filter(code=code.strip()).first()
    if found is None:
        raise usage_error(f"{option}: unknown {what} {code!r}")
    return found


def dump_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)


def format_number(value, empty=""):
    if value is None:
        return empty
    return number_format(value, use_l10n=True, force_grouping=True)


def _width(text):
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def format_table(headers, rows):
    widths = [max([_width(h)] + [_width(str(r[i])) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        out = []
        for header, cell, width in zip(headers, cells, widths):
            pad = " " * (width - _width(str(cell)))
            out.append(pad + str(cell) if header in RIGHT_ALIGNED else str(cell) + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])
