"""Arguments of the report commands (kpi, ranking) that only they take; the shared ones are core.cli's."""

from core.cli import code_arg, usage_error
from units.models import Unit

from ...kpis import UnknownKpi, get_kpi

APPROVED_ONLY_HELP = (
    "count only the unit-months whose figures a leader approved (default: every stored figure, whatever "
    "its status); the procedure rates do not depend on filings and stay the same"
)


def unit_arg(code, option="--unit"):
    return code_arg(Unit.objects, code, option=option, what="unit code")


def kpi_arg(key):
    try:
        return get_kpi(key.strip())
    except UnknownKpi as exc:
        raise usage_error(f"--kpi: {exc}") from None


def add_approved_only(parser):
    parser.add_argument("--approved-only", action="store_true", help=APPROVED_ONLY_HELP)
