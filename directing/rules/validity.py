"""Why a unit can have nothing on a day it did not exist: the wording of activities, directives,
inspections and indicators."""

import datetime

from django.utils.translation import gettext as _


def unit_inactive_on_reason(unit, day: datetime.date) -> str:
    """Why `unit` can have no activity on `day` (it did not exist then)."""
    if unit.valid_from is not None and unit.valid_from > day:
        return _("%(unit)s starts on %(start)s, after %(date)s") % {
            "unit": unit.code,
            "start": f"{unit.valid_from:%d/%m/%Y}",
            "date": f"{day:%d/%m/%Y}",
        }
    return _("%(unit)s ended on %(end)s, before %(date)s") % {
        "unit": unit.code,
        "end": f"{unit.valid_to:%d/%m/%Y}",
        "date": f"{day:%d/%m/%Y}",
    }
