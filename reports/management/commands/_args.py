"""Arguments of the report commands (kpi, ranking) that only they take; the shared ones are core.cli's."""

from core.cli import code_arg, usage_error
from units.models import Unit

from ...kpis import UnknownKpi, get_kpi
from ...selectors import Tree

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


def add_tree(parser):
    parser.add_argument(
        "--tree",
        choices=[tree.value for tree in Tree],
        default=Tree.PERIOD.value,
        help="period: the units as they were in the period (default); today: today's units, each with the "
        'figures of the units merged into it (docs/kpis.md, "Today\'s tree")',
    )


def tree_notes(predecessors=(), split=(), left_out=()):
    """The lines that say what today's tree added and left out, for the text output of kpi and ranking."""
    lines = []
    for label, units in (
        ("including the figures of", predecessors),
        ("split between several successors, not added", split),
        ("without a successor among the units shown, left out", left_out),
    ):
        if units:
            lines.append(f"{label}: {', '.join(unit.code for unit in units)}")
    return lines
