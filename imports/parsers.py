"""Cell parsers the importers share: each returns the value or raises ValueError with the reason, which
the importer records against the cell (row R, column C: reason)."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from itertools import batched

from django.utils.translation import gettext as _

from .tabular import Percent, clean_text, fold


def parse_code(value) -> str:
    text = parse_text(value)
    if not text:
        raise ValueError(_("code is empty"))
    return text


def parse_text(value) -> str:
    text = clean_text(value)
    if "\x00" in text:  # PostgreSQL's text cannot hold it (the write would fail for the whole file)
        raise ValueError(_("a NUL character is not allowed"))
    return text


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value) -> datetime.date:
    """A date cell, or text written day/month/year (`01/07/2025`) or ISO (`2025-07-01`)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_text(value)
    try:
        if m := _DATE_TEXT.match(text):
            return datetime.date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO_DATE.match(text):
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    raise ValueError(_("%(value)r is not a date (write it as dd/mm/yyyy)") % {"value": text})


def parse_whole(value, what) -> int:
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a %(what)s") % {"value": value, "what": what})
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
    elif isinstance(value, int):
        return value
    else:
        text = clean_text(value)
        if re.fullmatch(r"\d+", text):
            return int(text)
        if re.fullmatch(r"\d+[.,]0+", text):
            return int(re.split(r"[.,]", text)[0])
    raise ValueError(_("%(value)r is not a %(what)s") % {"value": value, "what": what})


_PERCENT_TEXT = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*%?$")


def parse_percentage(value):
    """`30`, `30%`, `30,5%`, `30.5` mean 30.5 where so written; a percent-formatted cell holding 0.305
    means 30.5. Returns a Decimal with two places."""

    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a percentage") % {"value": value})
    if isinstance(value, Percent):
        number = Decimal(repr(float(value))) * 100
    elif isinstance(value, (int, float)):
        number = Decimal(repr(value))
    else:
        text = clean_text(value)
        m = _PERCENT_TEXT.match(text.replace(" ", ""))
        if not m:
            raise ValueError(_("%(value)r is not a percentage (write 30, 30%% or 30,5%%)") % {"value": text})
        number = Decimal(m[1].replace(",", "."))
    if number < 0:
        raise ValueError(_("%(value)s is negative") % {"value": number})
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def choice_parser(words: dict[str, str], what: str):
    """A parser for a choice matched case-insensitively in any of its wordings: {wording: value}."""
    folded = {fold(k): v for k, v in words.items()}
    allowed = ", ".join(dict.fromkeys(words))

    def parse(value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = fold(value)
        if text in folded:
            return folded[text]
        raise ValueError(
            _("%(value)r is not a known %(what)s (expected one of: %(allowed)s)")
            % {"value": clean_text(value), "what": what, "allowed": allowed}
        )

    return parse


def lookup_codes(model, codes, field_name="code"):
    """{code: id} for the given codes, one query per 5,000 codes."""
    found = {}
    for batch in batched(codes, 5000):
        found.update(model.objects.filter(**{f"{field_name}__in": batch}).values_list(field_name, "id"))
    return found
