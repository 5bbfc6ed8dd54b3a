"""Reads of the procedures app."""

from bisect import bisect_right
from collections import defaultdict

from .models import Offering, month_index, offering_rank


class LevelIndex:
    """The service level in force of a (unit, procedure) in a month, from offerings loaded once: the
    latest offering that starts in or before the month (a start mid-month counts for the whole month; of
    two that start in the same month, the later date's), the rule `procedures.models.offering_start`
    states in SQL, with the same month index. For code that checks many rows at once (the import, the
    demo); None when the unit does not offer the procedure that month."""

    def __init__(self, offerings):
        """`offerings`: (unit, procedure, valid_from or None, service_level) tuples, keyed by whatever
        the caller looks up with (ids, or codes in the demo's plan)."""
        starts = defaultdict(list)
        for unit, procedure, valid_from, level in offerings:
            starts[unit, procedure].append((*offering_rank(valid_from), level))
        self._starts = {}
        for key, items in starts.items():
            items.sort()  # of two started in the same month, the later date's comes last, and holds
            self._starts[key] = ([start for start, _day, _level in items], [level for _start, _day, level in items])

    @classmethod
    def for_units(cls, unit_ids):
        """The offerings of the given units, by unit and procedure id."""
        return cls(
            Offering.objects.filter(unit_id__in=list(unit_ids))
            .order_by()
            .values_list("unit_id", "procedure_id", "valid_from", "service_level")
            .iterator(chunk_size=5000)
        )

    def level(self, unit, procedure, year: int, month: int) -> str | None:
        found = self._starts.get((unit, procedure))
        if found is None:
            return None
        starts, levels = found
        position = bisect_right(starts, month_index(year, month))
        return levels[position - 1] if position else None
