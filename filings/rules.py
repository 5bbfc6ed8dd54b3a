"""The rules a month's figures must follow, shared by the entry form, the Excel import, the admin and the API.

Errors (a row is refused): a count that is not a whole number >= 0, a month outside 1..12 or after the
current month. Warnings (the row is kept and flagged): a broken identity of report form 06.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import COUNT_FIELDS, FIRST_YEAR, LAST_YEAR

_GROUPED = re.compile(r"^\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*$")


def parse_count(value) -> int:
    """A count as a whole number >= 0, from a number or from text that groups thousands by `.`, `,` or
    spaces in threes (`3.553`, `3,553`, `10 717`). Empty means 0. Raises ValueError with the reason."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(_("%(value)r is not a whole number") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)):
        if not (value.is_integer() if isinstance(value, float) else value == value.to_integral_value()):
            raise ValueError(_("%(value)s is not a whole number") % {"value": value})
        number = int(value)
    else:
        text = str(value).strip()
        if not text:
            return 0
        if text.isdigit():
            number = int(text)
        elif _GROUPED.match(text):
            number = int(re.sub(r"\D", "", text))
        elif re.fullmatch(r"-\s*[\d.,\s]+", text):
            raise ValueError(_("%(value)s is negative; counts cannot be below 0") % {"value": text})
        else:
            raise ValueError(_("%(value)r is not a whole number") % {"value": text})
    if number < 0:
        raise ValueError(_("%(value)s is negative; counts cannot be below 0") % {"value": number})
    return number


def check_month(year: int, month: int, today: datetime.date | None = None) -> None:
    """Raise ValueError unless (year, month) is a real month no later than the current one."""
    today = today or timezone.localdate()
    if not 1 <= month <= 12:
        raise ValueError(_("month %(month)s is not between 1 and 12") % {"month": month})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(_("year %(year)s is not between %(first)s and %(last)s")
                         % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR})
    if (year, month) > (today.year, today.month):
        raise ValueError(_("%(month)02d/%(year)s is in the future") % {"month": month, "year": year})


@dataclass(frozen=True)
class Identity:
    """left == right, summed over the named fields."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    description: str

    @property
    def fields(self):
        return self.left + self.right


# The identities of report form 06 that can be checked on stored fields. (new = online + direct + postal,
# resolved = early + on time + late and pending = on time + overdue define the totals, which are not stored.)
IDENTITIES = (
    Identity(
        ("carried_over", "received_online", "received_direct", "received_postal"),
        ("resolved_early", "resolved_on_time", "resolved_late", "pending_on_time", "pending_overdue"),
        "carried over + received = resolved + pending",
    ),
)


def balance_warnings(values: dict, present=COUNT_FIELDS) -> list[tuple[str, str]]:
    """(field, message) for each identity of the form that the values break. An identity is checked only
    when every field it involves is `present` (a file may carry only some columns)."""
    warnings = []
    for identity in IDENTITIES:
        if not set(identity.fields) <= set(present):
            continue
        left = sum(values.get(f) or 0 for f in identity.left)
        right = sum(values.get(f) or 0 for f in identity.right)
        if left != right:
            warnings.append((identity.left[0], _("%(rule)s does not balance: %(left)s ≠ %(right)s")
                             % {"rule": _(identity.description), "left": left, "right": right}))
    if {"returned_postal", "resolved_early", "resolved_on_time", "resolved_late"} <= set(present):
        resolved = sum(values.get(f) or 0 for f in ("resolved_early", "resolved_on_time", "resolved_late"))
        if (values.get("returned_postal") or 0) > resolved:
            warnings.append(("returned_postal", _("more results returned by post (%(returned)s) than resolved (%(resolved)s)")
                             % {"returned": values.get("returned_postal"), "resolved": resolved}))
    return warnings
