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


def dump_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
