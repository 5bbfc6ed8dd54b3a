"""The KPIs of DOMAIN.md: their keys, names, kinds and families. The arithmetic is in reports.selectors.

Two families: the KPIs of report form 06 (the figures every unit files, and its offerings) and those of the
Decision 766 index (docs/kpis.md, "Decision 766"), most of which read counts a unit may leave unreported.
A higher app can add a *computed* KPI (register_computed_kpi: the Decision 766 score of the scores app),
which a ranking can use like any other but which has no target and no column of its own in the tables.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

RATE = "rate"
COUNT = "count"
# A number of points out of a maximum (the Decision 766 score): a computed KPI's kind.
SCORE = "score"

# The families of KPIs (Kpi.family): the home table, its export and the text table of `kpi` show form 06's;
# the Decision 766 ones have their own section of `kpi` and of the unit page, and are in every JSON answer.
FORM_06 = "form06"
DECISION_766 = "766"
FAMILIES = {FORM_06: _("Report form 06"), DECISION_766: _("Decision 766 index")}


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    kind: str
    formula: str
    # Computed from a procedure's online level in force (or, for the share of online procedures with online
    # filings, from the filings of each procedure), so only from figures per procedure (a unit-month
    # reported per field, as form 06 has it, is left out and counted).
    needs_level: bool = False
    # Computed from the offerings in force at the period's end, not from filings (its numerator may still
    # count the period's filings: with_filings).
    from_offerings: bool = False
    family: str = FORM_06
    # Reads the optional Decision 766 counts (filings.models.SCORE_FIELDS): summed only where reported, so
    # that a subtree and period where no unit-month reports them has no data (None), never 0.
    optional: bool = False
    # From the offerings at the period's end, but its numerator counts the period's filings: not a stock
    # figure, so no year-end projection (reports.projection).
    with_filings: bool = False

    @property
    def is_rate(self):
        return self.kind == RATE

    @property
    def is_score(self):
        return self.kind == SCORE

    @property
    def family_label(self):
        return FAMILIES[self.family]


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
        # Decision 766 (docs/kpis.md, "Decision 766").
        Kpi(
            "sync_rate",
            _("Filings synchronised to the national portal"),
            RATE,
            _("filings synchronised to the national portal / new filings, where the synchronised count is reported"),
            family=DECISION_766,
            optional=True,
        ),
        Kpi(
            "online_payment_rate",
            _("Online payment rate"),
            RATE,
            _("filings whose fee was paid online / filings with a fee, where both are reported"),
            family=DECISION_766,
            optional=True,
        ),
        Kpi(
            "digitisation_rate",
            _("Digitisation rate"),
            RATE,
            _("filings digitised on receipt / new filings, where the digitised count is reported"),
            family=DECISION_766,
            optional=True,
        ),
        Kpi(
            "e_result_rate",
            _("Electronic results rate"),
            RATE,
            _("results issued electronically / all resolved, where the electronic count is reported"),
            family=DECISION_766,
            optional=True,
        ),
        Kpi(
            "satisfaction_rate",
            _("Satisfaction rate"),
            RATE,
            _("satisfied ratings / ratings received, where both are reported"),
            family=DECISION_766,
            optional=True,
        ),
        Kpi(
            "procedures_with_online_filings_rate",
            _("Share of online procedures with online filings"),
            RATE,
            _(
                "offerings at full or partial level in force at the end of the period that received an online "
                "filing in the period / offerings at full or partial level"
            ),
            needs_level=True,
            from_offerings=True,
            family=DECISION_766,
            with_filings=True,
        ),
    ]
}

KPI_CHOICES = [(kpi.key, kpi.label) for kpi in KPIS.values()]
COUNT_KPIS = [kpi.key for kpi in KPIS.values() if not kpi.is_rate]


def kpis_of(family: str) -> list[Kpi]:
    """The KPIs of one family (FORM_06, DECISION_766), in KPIS' order."""
    return [kpi for kpi in KPIS.values() if kpi.family == family]


# --- computed KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputedKpi:
    """A KPI that a higher app computes (it registers it when Django starts: reports never imports it).
    `compute(units, period, *, approved_only, tree, lineage)` returns {unit id: KpiValue} for each of the
    units, in a fixed number of queries; a unit without a value has a KpiValue whose `exact` is None."""

    kpi: Kpi
    compute: Callable


COMPUTED_KPIS: dict[str, ComputedKpi] = {}


def register_computed_kpi(kpi: Kpi, compute: Callable) -> None:
    """Make `kpi` known to get_kpi, and so to the rankings (CLI, API, page), computed by `compute` (see
    ComputedKpi). Called from an AppConfig.ready(); registering the same key again replaces it."""
    if kpi.key in KPIS:
        raise ValueError(f"{kpi.key!r} is already a KPI of reports.kpis.KPIS")
    COMPUTED_KPIS[kpi.key] = ComputedKpi(kpi, compute)


def rankable_kpis() -> list[Kpi]:
    """Every KPI a ranking can use: KPIS, then the computed ones."""
    return [*KPIS.values(), *(computed.kpi for computed in COMPUTED_KPIS.values())]


class UnknownKpi(ValueError):
    pass


def get_kpi(key: str) -> Kpi:
    """The KPI of that key, among KPIS and the computed KPIs; UnknownKpi names the keys expected."""
    if key in KPIS:
        return KPIS[key]
    if key in COMPUTED_KPIS:
        return COMPUTED_KPIS[key].kpi
    expected = ", ".join([*KPIS, *COMPUTED_KPIS])
    raise UnknownKpi(f"unknown KPI {key!r}; expected one of: {expected}")
