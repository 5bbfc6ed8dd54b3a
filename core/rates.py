"""Exact rates: a numerator and a denominator, kept as integers, divided only when shown.

Every rate of the product (the KPIs of reports.selectors, the entry grid's rates, completeness) is a ratio
of sums made exact with `Fraction` and rounded half away from zero to two decimals here, so that the same
figures give the same digits on every page, export, command and API answer.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


def round_half_up(x: Fraction, places: int = 2) -> Decimal:
    """Round half away from zero, exactly (26.145 -> 26.15, -3.845 -> -3.85)."""
    n = math.floor(abs(x) * 10**places + Fraction(1, 2))
    return Decimal(-n if x < 0 else n).scaleb(-places)


def percent(numerator: int, denominator: int) -> Fraction | None:
    """The exact percentage numerator / denominator, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return Fraction(100 * numerator, denominator)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def exact(self) -> Fraction | None:
        return percent(self.numerator, self.denominator)

    @property
    def value(self) -> Decimal | None:
        """The percentage rounded half up to two decimals; None with a denominator of 0."""
        exact = self.exact
        return None if exact is None else round_half_up(exact)

    def as_json(self):
        value = self.value
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else f"{value:.2f}",
        }
