"""The `status` parameter of the API, the KPI pages and their exports: which unit-months the filing KPIs
count (CONTRACT.md, "Options shared by kpi, ranking, alerts, score and the API").

`status=approved` counts only the unit-months a leader approved; `status=all`, or no parameter, counts
every stored figure whatever its status (the default, as before the switch existed).
"""

APPROVED = "approved"
ALL = "all"


class StatusError(ValueError):
    pass


def parse_status(text: str | None) -> bool:
    """Whether `status` asks for approved figures only; a StatusError names a value that is neither."""
    value = (text or "").strip().lower()
    if value == APPROVED:
        return True
    if value in ("", ALL):
        return False
    raise StatusError(f"expected {APPROVED} or {ALL}, not {value!r}")
