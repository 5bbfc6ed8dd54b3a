"""The examples of docs/import.md and docs/kpis.md, run as the docs show them, so that the docs cannot go
stale silently. Each example sits between `<!-- example: NAME -->` and `<!-- end -->`: a sheet or a JSON
body to import, the command and the summary line it prints, the figures stored (a table), the messages
of the common mistakes, the KPIs afterwards. The units, fields and procedures an example needs are
created from what its table of stored figures names, as the demo data has them (a field's code made from
its name: Chứng thực -> CHUNG-THUC)."""

import copy
import json
import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from core.periods import Period
from filings.models import COUNT_FIELDS, FieldFiling, MonthlyFiling
from procedures.models import ServiceLevel, field_code_for
from reports.kpis import KPIS
from reports.selectors import kpis_for
from tests.factories import FieldFactory, FilingFactory, OfferingFactory, ProcedureFactory, UnitFactory
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_xlsx
from units.models import UnitKind

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"


# --- reading the docs -------------------------------------------------------------------------------


def example(doc, name):
    """The text of the example NAME of docs/DOC."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {re.escape(name)} -->\n(.*?)<!-- end -->", text, re.S)
    assert match, f"docs/{doc} has no example {name!r}"
    return match[1]


def table(block):
    """The rows of the block's markdown table, its header row first (the separator left out)."""
    rows = []
    for line in block.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line[1:-1].split("|")]
        if all(re.fullmatch(r":?-+:?", cell) for cell in cells):
            continue
        rows.append(cells)
    assert rows, f"no table in {block!r}"
    return rows


def fenced(block):
    """The contents of the block's fenced code blocks, each without its indentation."""
    blocks = re.findall(r"^( *)```[a-z]*\n(.*?)^ *```", block, re.S | re.M)
    return ["\n".join(line.removeprefix(indent) for line in text.splitlines()) for indent, text in blocks]


def console(block):
    """The `$ ...` command of the block's console session and the lines it prints."""
    [session] = fenced(block)
    command, *printed = session.splitlines()
    assert command.startswith("$ "), command
    return shlex.split(command[2:]), printed


def import_command(block):
    """The arguments after `import_data` of the block's command, and the summary line it prints."""
    argv, printed = console(block)
    return argv[argv.index("import_data") + 1 :], printed[-1]


def documented_messages(block):
    """Every line of the fenced blocks of a messages example."""
    return [line.strip() for text in fenced(block) for line in text.splitlines() if line.strip()]


def stored_table(block):
    """(header, rows) of a table of stored figures, the counts as ints."""
    header, *rows = table(block)
    counts = [name for name in header if name in COUNT_FIELDS]
    assert counts, header
    return header, [{key: int(cell) if key in counts else cell for key, cell in zip(header, row)} for row in rows]


def counts_of(figures, names):
    return {name: getattr(figures, name) for name in names}


def cell(text):
    """A cell of a sheet in the docs: a whole number, or text (None when empty)."""
    return int(text) if text.isdigit() else (text or None)


# --- report form 06 per field ----------------------------------------------------------------------


FORM06 = "form06"


def form06_sheet():
    return [[cell(text) for text in row] for row in table(example("import.md", FORM06))]


def form06_file(tmp_path, rows, name="bieu06.xlsx"):
    return write_xlsx(tmp_path / name, rows)


def with_file(argv, path):
    """The command's arguments with `path` in place of the file the docs name."""
    return [argv[0], str(path), *argv[2:]]


def without_unit(argv):
    position = argv.index("--unit")
    return argv[:position] + argv[position + 2 :]


def form06_catalogue(unit_code, field_names):
    unit = UnitFactory(code=unit_code, kind=UnitKind.COMMUNE)
    for name in field_names:
        FieldFactory(code=field_code_for(name), name=name)
    return unit


def title_month(rows):
    [(month, year)] = re.findall(r"(\d{1,2})/(\d{4})", rows[0][0])
    return int(year), int(month)


def test_the_form_06_example_stores_the_figures_the_doc_states(tmp_path):
    rows = form06_sheet()
    argv, doc_summary = import_command(example("import.md", "form06-run"))
    header, expected = stored_table(example("import.md", "form06-stored"))
    unit_code = argv[argv.index("--unit") + 1]
    form06_catalogue(unit_code, [row["field"] for row in expected])

    status, out, err = run_cli(*with_file(argv, form06_file(tmp_path, rows)))

    assert (status, summary(out), err) == (0, doc_summary, "")
    year, month = title_month(rows)
    assert FieldFiling.objects.count() == len(expected)
    names = [name for name in header if name in COUNT_FIELDS]
    for row in expected:
        stored = FieldFiling.objects.get(unit__code=unit_code, field__name=row["field"], year=year, month=month)
        assert counts_of(stored, names) == {name: row[name] for name in names}, row["field"]


def test_the_form_06_messages_are_those_the_example_meets(tmp_path):
    rows = form06_sheet()
    argv, _summary = import_command(example("import.md", "form06-run"))
    _header, expected = stored_table(example("import.md", "form06-stored"))
    unit_code = argv[argv.index("--unit") + 1]
    first, *others = [row["field"] for row in expected]
    unit = form06_catalogue(unit_code, [first])  # the others not in the catalogue yet
    path = form06_file(tmp_path, rows)
    printed = []

    def run(args, path=path):
        status, _out, err = run_cli(*with_file(args, path), "--dry-run")
        printed.extend(err.splitlines())
        return status

    assert run(without_unit(argv)) == 1
    assert run(without_unit(argv) + ["--unit", "99999"]) == 1
    assert run(argv) == 1  # unknown fields
    for name in others:
        FieldFactory(code=field_code_for(name), name=name)
    # The first field's row (TT 1) with its first "Tổng số" one too many: a warning.
    wrong_total = copy.deepcopy(rows)
    row = next(r for r in wrong_total if r[0] == 1)
    column = wrong_total[2].index("Tổng số")
    row[column] += 1
    assert run(argv, form06_file(tmp_path, wrong_total, "tong-so.xlsx")) == 0
    # No month in the title rows.
    no_month = copy.deepcopy(rows)
    no_month[0][0] = "Biểu số II.06a/VPCP/KSTT"
    assert run(argv, form06_file(tmp_path, no_month, "khong-ky.xlsx")) == 1
    # The unit-month already has figures per procedure.
    year, month = title_month(rows)
    FilingFactory(
        unit=unit, procedure=ProcedureFactory(field=None), year=year, month=month, received_online=1, resolved_early=1
    )
    assert run(argv) == 1

    for message in documented_messages(example("import.md", "form06-messages")):
        assert message in printed, f"{message}\nnot among:\n" + "\n".join(printed)


# --- OpenCPS statistics ---------------------------------------------------------------------------


def opencps_document():
    [body] = fenced(example("import.md", "opencps.json"))
    return json.loads(body)


def opencps_file(tmp_path, document, name="thong-ke.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def opencps_catalogue(rows, *, parent=None, skip_units=(), skip_fields=(), offerings=True):
    """The units, procedures and fields the stored figures name (units below `parent` when given), and an
    offering online of each procedure by its unit."""
    units = {}
    for row in rows:
        if row["unit"] not in skip_units and row["unit"] not in units:
            units[row["unit"]] = UnitFactory(code=row["unit"], parent=parent)
        if row["field"] and row["field"] not in skip_fields:
            FieldFactory(code=field_code_for(row["field"]), name=row["field"])
        if row["procedure"]:
            procedure = ProcedureFactory(code=row["procedure"], field=None)
            if offerings and row["unit"] in units:
                OfferingFactory(unit=units[row["unit"]], procedure=procedure, service_level=ServiceLevel.FULL)
    return units


def the_month(document):
    [month] = {(item["year"], item["month"]) for item in document["data"] if "month" in item}
    return month


def test_the_opencps_example_stores_the_figures_the_doc_states(tmp_path):
    document = opencps_document()
    argv, doc_summary = import_command(example("import.md", "opencps-run"))
    header, expected = stored_table(example("import.md", "opencps-stored"))
    opencps_catalogue(expected)

    status, out, err = run_cli(*with_file(argv, opencps_file(tmp_path, document)))

    assert (status, summary(out), err) == (0, doc_summary, "")
    year, month = the_month(document)
    names = [name for name in header if name in COUNT_FIELDS]
    for row in expected:
        if row["procedure"]:
            stored = MonthlyFiling.objects.get(
                unit__code=row["unit"], procedure__code=row["procedure"], year=year, month=month
            )
        else:
            stored = FieldFiling.objects.get(unit__code=row["unit"], field__name=row["field"], year=year, month=month)
        assert counts_of(stored, names) == {name: row[name] for name in names}, row
    assert MonthlyFiling.objects.count() + FieldFiling.objects.count() == len(expected)


def test_the_opencps_messages_are_those_the_example_meets(tmp_path):
    document = opencps_document()
    argv, _summary = import_command(example("import.md", "opencps-run"))
    _header, expected = stored_table(example("import.md", "opencps-stored"))
    by_field = [row for row in expected if row["field"]]
    ward, first_field = by_field[0]["unit"], by_field[0]["field"]
    printed = []

    def run(document, name="thong-ke.json"):
        status, _out, err = run_cli(*with_file(argv, opencps_file(tmp_path, document, name)), "--dry-run")
        printed.extend(err.splitlines())
        return status

    # Neither the ward nor its first field in the catalogue, and no offering: unknown codes, a warning.
    opencps_catalogue(expected, skip_units={ward}, skip_fields={first_field}, offerings=False)
    assert run(document) == 1
    units = opencps_catalogue(expected)
    # An object without its month (the third), and a sixth object giving the ward's month per procedure.
    no_month = copy.deepcopy(document)
    del no_month["data"][2]["month"]
    assert run(no_month, "no-month.json") == 1
    both_ways = copy.deepcopy(document)
    both_ways["data"].append({**document["data"][0], "govAgencyCode": ward})
    assert run(both_ways, "both.json") == 1
    # The ward's month already has figures per procedure.
    year, month = the_month(document)
    FilingFactory(unit=units[ward], procedure=ProcedureFactory(field=None), year=year, month=month, received_online=1)
    assert run(document) == 1

    for message in documented_messages(example("import.md", "opencps-messages")):
        assert message in printed, f"{message}\nnot among:\n" + "\n".join(printed)


# --- KPIs after the OpenCPS example -------------------------------------------------------------------


FILING_KPIS = ("online_rate", "online_rate_eligible", "on_time_rate", "postal_returns", "postal_received")


def test_the_kpis_after_the_opencps_example_are_those_the_doc_states(tmp_path):
    block = example("kpis.md", "kpi-after-opencps")
    session, excerpt = fenced(block)
    command, *table_lines = session.splitlines()
    argv = shlex.split(command.removeprefix("$ "))
    unit_code, period = argv[argv.index("--unit") + 1], argv[argv.index("--period") + 1]
    _header, expected = stored_table(example("import.md", "opencps-stored"))
    parent = UnitFactory(code=unit_code, kind=UnitKind.DISTRICT)
    opencps_catalogue(expected, parent=parent)
    argv_import, _summary = import_command(example("import.md", "opencps-run"))
    status, _out, err = run_cli(*with_file(argv_import, opencps_file(tmp_path, opencps_document())))
    assert status == 0, err

    # The JSON: the objects the doc shows (the filing KPIs; the procedure rates are the demo's offerings').
    kpis = kpis_for(parent, Period.parse(period)).as_json()["kpis"]
    shown = json.loads(excerpt)
    assert shown and set(shown) <= set(FILING_KPIS)
    assert {key: kpis[key] for key in shown} == shown

    # The table as the command prints it (Vietnamese number formats, as `manage.py kpi` runs by default):
    # the lines of the filing KPIs, and every line after the table.
    out = StringIO()
    with translation.override("vi"):
        call_command("kpi", "--unit", unit_code, "--period", period, stdout=out)
    printed = out.getvalue().splitlines()
    rows = {line.split()[0]: line.split() for line in printed if line.split() and line.split()[0] in FILING_KPIS}
    for line in table_lines:
        words = line.split()
        if words and words[0] in FILING_KPIS:
            assert rows[words[0]] == words, line
    assert after_table(printed) == after_table(table_lines)


def after_table(lines):
    """The lines a `kpi` table is followed by (after its last KPI's row)."""
    last = max(i for i, line in enumerate(lines) if line.split()[:1] and line.split()[0] in KPIS)
    return lines[last + 1 :]
