"""Argument handling shared by the report commands: one-line errors with exit status 2."""

import json

from django.core.management.base import CommandError

from reports.kpis import UnknownKpi, get_kpi
from reports.periods import Period, PeriodError
from units.models import Unit

USAGE_ERROR = 2


def usage_error(message):
    return CommandError(message, returncode=USAGE_ERROR)


def period_arg(text):
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise usage_error(f"--period: {exc}") from None


def unit_arg(code, option="--unit"):
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise usage_error(f"{option}: unknown unit code {code!r}")
    return unit


def kpi_arg(key):
    try:
        return get_kpi(key.strip())
    except UnknownKpi as exc:
        raise usage_error(f"--kpi: {exc}") from None


APPROVED_ONLY_HELP = (
    "count only the unit-months whose figures a leader approved (default: every stored figure, whatever "
    "its status); the procedure rates do not depend on filings and stay the same"
)


def add_approved_only(parser):
    parser.add_argument("--approved-only", action="store_true", help=APPROVED_ONLY_HELP)


def dump_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
