"""The KPIs of DOMAIN.md: their keys, names and kinds. The arithmetic is in reports.selectors."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

RATE = "rate"
COUNT = "count"


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    kind: str
    formula: str
    # Computed from a procedure's online level in force, so only from figures per procedure (a unit-month
    # reported per field, as form 06 has it, is left out and counted).
    needs_level: bool = False
    # Computed from the offerings in force at the period's end, not from filings.
    from_offerings: bool = False

    @property
    def is_rate(self):
        return self.kind == RATE


KPIS = {
    kpi.key: kpi
    for kpi in [
        Kpi(
            "online_rate",
            _("Online filing rate"),
            RATE,
            _("received online / all new filings (online + at the desk + by post)"),
        ),
        Kpi(
            "online_rate_eligible",
            _("Online filing rate of procedures offered online"),
            RATE,
            _("received online / new filings of the procedures the unit offered online that month"),
            needs_level=True,
        ),
        Kpi(
            "procedures_online_rate",
            _("Share of procedures offered online"),
            RATE,
            _("offerings at full or partial level / all offerings, in force at the end of the period"),
            from_offerings=True,
        ),
        Kpi(
            "procedures_full_online_rate",
            _("Share of procedures offered fully online"),
            RATE,
            _("offerings at full level / all offerings, in force at the end of the period"),
            from_offerings=True,
        ),
        Kpi(
            "on_time_rate",
            _("On-time resolution rate"),
            RATE,
            _("(resolved early + on time) / all resolved"),
        ),
        Kpi("postal_returns", _("Results returned by post"), COUNT, _("sum of results returned by post")),
        Kpi("postal_received", _("Filings received by post"), COUNT, _("sum of filings received by post")),
    ]
}

KPI_CHOICES = [(kpi.key, kpi.label) for kpi in KPIS.values()]
COUNT_KPIS = [kpi.key for kpi in KPIS.values() if not kpi.is_rate]


class UnknownKpi(ValueError):
    pass


def get_kpi(key: str) -> Kpi:
    try:
        return KPIS[key]
    except KeyError:
        raise UnknownKpi(f"unknown KPI {key!r}; expected one of: {', '.join(KPIS)}") from None
