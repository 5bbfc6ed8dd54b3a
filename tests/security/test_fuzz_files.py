"""Hostile files, generated (issue 13): malformed .xlsx, .xls, .ods, .csv (and .json) made from files that
import, thrown at the importer of every kind. Each case must end in a report whose errors name the file
(or the row and column), within a time and memory bound; never an exception, a traceback or a server
path in a message, and nothing written but the import's own record when the report has errors.

The files are made by hypothesis from a corpus built here (tests.imports.files writes the .xlsx, .ods and
.csv of every kind; the .xls are the committed fixtures, with the samples and the OpenCPS .json):
truncated, bytes flipped, inserted or cut; zip members removed, duplicated, renamed or replaced; their XML
mangled (unclosed tags, document types with entities, a huge attribute, deep nesting, a far cell, rows or
cells repeated a million times); CSVs in other encodings, with NUL bytes, a very long line, a very long
field, thousands of columns; and rows of hostile cell values (huge, negative, NaN and infinities,
formulas, dates at the ends of the calendar, control characters, periods out of range). Derandomized
with a fixed number of examples, so that every run throws the same files."""

import atexit
import codecs
import csv
import datetime
import functools
import io
import resource
import shutil
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import translation
from hypothesis import currently_in_test_context, given, note
from hypothesis import strategies as st

from directing.services.directives import directive_save, task_save
from directing.services.indicators import indicator_save
from imports.registry import kinds
from imports.runner import run_import
from procedures.models import Offering, Procedure, ServiceLevel
from procedures.services import offerings_write
from tests.factories import ProcedureFactory, TargetFactory, UnitFactory
from tests.imports.conftest import SAMPLES, XLS
from tests.imports.files import write_csv, write_ods, write_xlsx
from tests.security.fuzzing import fuzz_settings
from units.models import UnitKind

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::UserWarning")]  # openpyxl's, on damage

SECONDS = 10  # per import, loosely: a shared CI machine may be slow
MEGABYTES = 300  # Python's peak (tracemalloc) and the growth of the process's peak (native readers too)
NOT_DATA = {"imports.ImportRecord", "imports.ImportIssues"}  # what a refused import writes, by design

# FUZZ_EXAMPLES=500 (and FUZZ_RANDOM=1 for other files than the fixed ones) to search further locally.
FUZZ = fuzz_settings(60)

# A valid file of each kind, for the world below.
TABLES = {
    "units": [
        ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"],
        ["88104", "Xã Bốn", "xã", "881"],
        ["881.VP", "Văn phòng", "phòng", "881"],
    ],
    "procedures": [
        ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Cấp thực hiện"],
        ["2.001", "Thủ tục A", "Tư pháp", "xã"],
        ["2.002", "Thủ tục B", "Tư pháp", "huyện"],
    ],
    "fields": [["Mã lĩnh vực", "Tên lĩnh vực"], ["G01", "Tư pháp"], ["G02", "Đất đai"]],
    "offerings": [
        ["Mã đơn vị", "Mã TTHC", "Mức độ", "Áp dụng từ"],
        ["88101", "2.000815", "Toàn trình", ""],
        ["88102", "2.000815", "Mức độ 3", "01/02/2024"],
    ],
    "filings": [
        ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
        ["88101", "1.001193", "07/2024", "1.204", 3],
        ["88102", "1.001193", "07/2024", 1, 0],
    ],
    "field_filings": [
        ["Mã đơn vị", "Lĩnh vực", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"],
        ["88103", "Hộ tịch", "07/2024", 3, 4],
        ["881.TTHCC", "Hộ tịch", "07/2024", 1, 0],
    ],
    "targets": [
        ["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu (%)"],
        ["881", 2024, "online_rate", "30,5%"],
        ["88101", 2024, "on_time_rate", 95],
    ],
    "activities": [
        ["Mã đơn vị", "Ngày", "Hình thức", "Số người tham dự", "Ghi chú"],
        ["88101", "15/03/2024", "hội nghị", 70, ""],
        ["88102", "16/03/2024", "tập huấn", 20, "Tập huấn cán bộ"],
    ],
    "indicator_values": [
        ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị", "Mẫu số", "Ghi chú"],
        ["kiosks", "88101", "07/2024", 3, "", ""],
        ["kiosks", "88102", "2024-08", 4, "", ""],
    ],
    "task_assignments": [
        ["Số văn bản", "Nhiệm vụ", "Mã đơn vị", "Tất cả xã, phường thuộc", "Hạn"],
        ["1/UBND", "Treo pano", "88102", "", ""],
        ["1/UBND", "Treo pano", "88103", "", ""],
    ],
}
WRITTEN = (".xlsx", ".ods", ".csv")


@pytest.fixture
def world(db):
    """Units, procedures offered online, a field, a target, a monthly indicator and a directive's task:
    what every file of TABLES refers to. Returns the row count of every model."""
    province = UnitFactory(code="88", name="Tỉnh Mẫu", kind=UnitKind.PROVINCE)
    town = UnitFactory(code="881", name="Thị xã Mẫu", kind=UnitKind.DISTRICT, parent=province)
    units = [province, town, UnitFactory(code="881.TTHCC", kind=UnitKind.CENTER, parent=town)]
    units += [UnitFactory(code=code, parent=town) for code in ("88101", "88102", "88103")]
    for code in ("1.001193", "1.000894", "2.000815"):
        ProcedureFactory(code=code)
    offerings_write(
        create=[
            Offering(unit=unit, procedure=procedure, service_level=ServiceLevel.FULL)
            for unit in units
            for procedure in Procedure.objects.exclude(code="2.000815")
        ],
        reason="test",
    )
    TargetFactory(unit=town, year=2024, kpi="online_rate", target=20)
    indicator_save(code="kiosks", name="Ki-ốt", measure="ki-ốt", periodicity="month")
    directive = directive_save(number="1/UBND", issued=datetime.date(2024, 1, 4), issuer=town, title="Tuyên truyền")
    task_save(directive, title="Treo pano", deadline=datetime.date(2024, 3, 1))
    return row_counts()


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label not in NOT_DATA and not model._meta.proxy
    }


# --- the corpus -----------------------------------------------------------------------------------------


@functools.cache
def corpus_dir():
    directory = Path(tempfile.mkdtemp(prefix="fuzz-corpus-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def titled(kind):
    """A kind's table as offices write it: under a title and a blank row, over a totals row."""
    return [["BẢNG KÊ SỐ LIỆU"], [], *TABLES[kind], ["Tổng cộng"]]


def write_rows(path, rows):
    """Rows in the format of `path`'s suffix (the .xlsx with its title merged, the .csv with semicolons)."""
    if path.suffix == ".xlsx":
        return write_xlsx(path, rows)
    if path.suffix == ".ods":
        return write_ods(path, rows)
    return write_csv(path, rows, delimiter=";", bom=True)


@functools.cache
def corpus():
    """{name: (kind, suffix, bytes)}: every kind in every written format, the .xls fixtures, the samples."""
    found = {}
    for kind in TABLES:
        for suffix in WRITTEN:
            path = write_rows(corpus_dir() / f"{kind}{suffix}", titled(kind))
            found[path.name] = (kind, suffix, path.read_bytes())
    for kind in ("units", "procedures", "offerings", "filings", "targets"):
        found[f"{kind}.xls"] = (kind, ".xls", (XLS / f"{kind}.xls").read_bytes())
    for name, kind in (
        ("sample_filings_report.xlsx", "filings"),
        ("sample_form06_by_field.xlsx", "field_filings"),
        ("sample_procedures.xlsx", "procedures"),
        ("sample_units.xlsx", "units"),
        ("sample_opencps_statistics.json", "filings"),
    ):
        found[name] = (kind, Path(name).suffix, (SAMPLES / name).read_bytes())
    return found


CORPUS_NAMES = sorted(
    [f"{kind}{suffix}" for kind in TABLES for suffix in WRITTEN]
    + [f"{kind}.xls" for kind in ("units", "procedures", "offerings", "filings", "targets")]
    + [
        "sample_filings_report.xlsx",
        "sample_form06_by_field.xlsx",
        "sample_procedures.xlsx",
        "sample_units.xlsx",
        "sample_opencps_statistics.json",
    ]
)
ARCHIVES = [name for name in CORPUS_NAMES if name.endswith((".xlsx", ".ods"))]
KINDS = sorted(TABLES)


# --- one case -------------------------------------------------------------------------------------------


class Case:
    """Writes each generated file under a name of the server's, runs it as the user's file name, and checks
    what the import answers."""

    def __init__(self, directory, baseline):
        self.directory = directory
        self.baseline = baseline
        self.count = 0

    def run(self, kind, content, suffix, described):
        self.count += 1
        path = self.directory / f"upload-{self.count}{suffix}"
        path.write_bytes(content)
        name = f"tệp «thử» {self.count}{suffix}"
        described = f"{described}; imported as {kind}, {len(content):,} bytes"
        if currently_in_test_context():
            note(described)
        with translation.override("en"), transaction.atomic():
            tracemalloc.reset_peak()
            peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            report = run_import(kind, path, name=name, dry_run=False)
            elapsed = time.perf_counter() - started
            python_peak = tracemalloc.get_traced_memory()[1]
            growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) * 1024
            counts = row_counts()
            record = report.record
            transaction.set_rollback(True)
        path.unlink()
        assert elapsed < SECONDS, f"{described}: {elapsed:.1f} s"
        assert python_peak < MEGABYTES * 2**20, f"{described}: Python's peak {python_peak / 2**20:.0f} MB"
        assert growth < MEGABYTES * 2**20, f"{described}: the process's peak grew {growth / 2**20:.0f} MB"
        assert record is not None and record.succeeded == report.ok and record.errors == len(report.errors)
        for issue in report.errors + report.warnings:
            text = str(issue)
            assert text.strip() and "Traceback" not in text, text
            assert str(self.directory) not in text and path.name not in text, f"a server path in: {text}"
            if issue.row is None:
                assert name in text, f"a file's problem that does not name the file: {text}"
            else:
                assert issue.row >= 1 and issue.column and text.startswith(f"row {issue.row}, column "), text
        for issue in report.errors:
            # Validation must catch what the database would refuse, and say which row and column.
            assert "the database refused" not in str(issue), str(issue)
        if report.errors:
            assert counts == self.baseline, f"{described}: a refused import wrote {diff(self.baseline, counts)}"
        return report


def diff(before, after):
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}


@pytest.fixture
def case(world, tmp_path):
    tracemalloc.start()
    try:
        yield Case(tmp_path, world)
    finally:
        tracemalloc.stop()


def other_kind(data, kind):
    """Mostly the file's own kind; now and then another (a file brought as the wrong kind)."""
    return data.draw(st.sampled_from([kind] * 3 + [k for k in kinds() if k != kind]), label="kind")


# --- the corpus imports as it is ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", WRITTEN)
@pytest.mark.parametrize("kind", KINDS)
def test_the_corpus_imports(case, kind, suffix):
    """The files the mutations start from are valid, so that what the fuzzing finds is about the damage."""
    _kind, _suffix, content = corpus()[f"{kind}{suffix}"]
    report = case.run(kind, content, suffix, f"{kind}{suffix} as written")
    assert report.ok and report.created + report.updated == 2, [str(e) for e in report.errors]


# --- damaged bytes --------------------------------------------------------------------------------------


def damaged(data, content):
    """(bytes, description): the file truncated, bytes flipped, junk inserted, a slice cut or repeated."""
    draw = data.draw
    size = len(content)
    how = draw(st.sampled_from(["truncate", "flip", "insert", "cut", "repeat", "zero"]), label="damage")
    at = draw(st.integers(0, max(size - 1, 0)), label="at")
    if how == "truncate":
        return content[:at], f"truncated at byte {at:,} of {size:,}"
    if how == "flip":
        positions = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=16), label="positions")
        changed = bytearray(content)
        for position in positions:
            changed[position] ^= draw(st.integers(1, 255), label="xor")
        return bytes(changed), f"bytes flipped at {sorted(positions)}"
    if how == "insert":
        junk = draw(st.binary(min_size=1, max_size=64), label="junk")
        return content[:at] + junk + content[at:], f"{junk!r} inserted at byte {at:,}"
    length = draw(st.integers(1, 4096), label="length")
    if how == "cut":
        return content[:at] + content[at + length :], f"{length:,} bytes cut at {at:,}"
    if how == "repeat":
        return content[: at + length] + content[at : at + length] * 3 + content[at + length :], (
            f"{length:,} bytes at {at:,} repeated"
        )
    return content[:at] + b"\0" * length + content[at + length :], f"{length:,} bytes zeroed at {at:,}"


@FUZZ
@given(data=st.data())
def test_damaged_bytes(case, data):
    base = data.draw(st.sampled_from(CORPUS_NAMES), label="base")
    kind, suffix, content = corpus()[base]
    changed, described = damaged(data, content)
    # Now and then under another type's name: the content must be checked against the name.
    suffix = data.draw(st.sampled_from([suffix] * 4 + [".xlsx", ".xls", ".ods", ".csv", ".json"]), label="suffix")
    case.run(other_kind(data, kind), changed, suffix, f"{base}: {described}, named {suffix}")


# --- damaged archives -----------------------------------------------------------------------------------


def rezip(members, *, compression=zipfile.ZIP_DEFLATED):
    """A zip archive of (name, bytes) in order; names may repeat (zipfile warns, and writes them)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
    return buffer.getvalue()


def sheet_member(members):
    names = [name for name, _content in members]
    for wanted in ("xl/worksheets/sheet1.xml", "content.xml"):
        if wanted in names:
            return wanted
    return next((name for name in names if name.startswith("xl/worksheets/")), names[-1])


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def after_prolog(xml, insert):
    """`insert` placed after the XML declaration (or at the start)."""
    end = xml.find(b"?>")
    at = end + 2 if xml.startswith(b"<?xml") and end != -1 else 0
    return xml[:at] + insert + xml[at:]


def first_tag_end(xml, tag):
    at = xml.find(tag)
    return -1 if at == -1 else xml.find(b">", at)


def mangled_xml(data, xml, is_ods):
    """(bytes, description): a sheet's XML made hostile."""
    draw = data.draw
    how = draw(
        st.sampled_from(
            [
                "unclosed",
                "doctype",
                "entity",
                "huge attribute",
                "deep nesting",
                "far cell",
                "repeated",
                "wrong encoding",
                "garbage",
                "empty",
                "undefined entity",
            ]
        ),
        label="mangle",
    )
    if how == "unclosed":
        starts = [i for i in range(len(xml)) if xml[i : i + 1] == b"<"]
        at = draw(st.sampled_from(starts), label="cut at tag")
        return xml[:at] + xml[at : at + 5], f"cut inside the tag at byte {at:,}"
    if how == "doctype":
        return after_prolog(xml, draw(st.sampled_from([BILLION_LAUGHS, XXE]))), "a document type with entities"
    if how == "entity":
        laughs = after_prolog(xml, BILLION_LAUGHS)
        at = first_tag_end(laughs, b"<text:p" if is_ods else b"<t")
        return laughs[: at + 1] + b"&lol4;" + laughs[at + 1 :], "an entity that expands to 10,000 words, used"
    if how == "huge attribute":
        megabytes = draw(st.integers(1, 8), label="MB")
        at = first_tag_end(xml, b"<table:table-cell" if is_ods else b"<c ")
        return xml[:at] + b' x="' + b"A" * (megabytes << 20) + b'"' + xml[at:], f"an attribute of {megabytes} MB"
    if how == "deep nesting":
        depth = draw(st.sampled_from([1_000, 100_000, 500_000]), label="depth")
        at = first_tag_end(xml, b"<text:p" if is_ods else b"<sheetData")
        return xml[: at + 1] + b"<a>" * depth + b"</a>" * depth + xml[at + 1 :], f"elements nested {depth:,} deep"
    if how == "far cell":
        if is_ods:
            row = draw(st.sampled_from([10_000, 1_048_576, 10**9]), label="rows")
            cells = draw(st.sampled_from([1, 1_000, 16_384]), label="cells")
            far = (
                f'<table:table-row table:number-rows-repeated="{row}"><table:table-cell '
                f'table:number-columns-repeated="{cells}" office:value-type="float" office:value="1">'
                "<text:p>1</text:p></table:table-cell></table:table-row>"
            ).encode()
            return xml.replace(b"</table:table>", far + b"</table:table>", 1), f"{row:,} rows of {cells:,} values"
        ref = draw(st.sampled_from(["XFD1048576", "A1048576", "XFD3", "ZZZZ9", "A99999999", "xfd1048576"]), label="ref")
        form = draw(st.sampled_from(['<c r="{}"', '<c s="0" r="{}"', '<c r="A1" r="{}"', "<c r='{}'"]), label="form")
        cell = (form.format(ref) + ' t="inlineStr"><is><t>x</t></is></c>').encode()
        return xml.replace(b"</sheetData>", b"<row>" + cell + b"</row></sheetData>", 1), f"a cell {form.format(ref)}"
    if how == "repeated":
        attribute = b"table:number-columns-repeated" if is_ods else b"r"
        if is_ods:
            changed = xml.replace(b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="9999" ', 3)
            return changed, f"cells with {attribute.decode()}=9999"
        return xml.replace(b"<row ", b'<row spans="1:16384" ', 5), "rows spanning every column"
    if how == "wrong encoding":
        return xml.replace(b'encoding="UTF-8"', b'encoding="UTF-16"', 1).replace(
            b"encoding='UTF-8'", b"encoding='UTF-16'", 1
        ), "declared UTF-16"
    if how == "garbage":
        junk = draw(st.binary(min_size=1, max_size=256), label="junk")
        at = draw(st.integers(0, len(xml)), label="at")
        return xml[:at] + junk + xml[at:], f"{junk!r} at byte {at:,}"
    if how == "undefined entity":
        at = first_tag_end(xml, b"<text:p" if is_ods else b"<t")
        return xml[: at + 1] + b"&nowhere;" + xml[at + 1 :], "an undefined entity"
    return b"", "emptied"


def damaged_archive(data, content, is_ods):
    """(bytes, description): the archive with a member removed, duplicated, renamed, replaced or mangled."""
    draw = data.draw
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    names = [name for name, _content in members]
    how = draw(st.sampled_from(["remove", "duplicate", "rename", "replace", "mangle", "mangle", "mangle", "stored"]))
    sheet = sheet_member(members)
    index = draw(st.sampled_from([names.index(sheet)] * 3 + list(range(len(members)))), label="member")
    name, member = members[index]
    if how == "remove":
        return rezip(members[:index] + members[index + 1 :]), f"{name} removed"
    if how == "duplicate":
        copy = draw(st.sampled_from(["the same", "another", "its first half"]), label="copy")
        other = {"the same": member, "another": b"<x/>", "its first half": member[: len(member) // 2]}[copy]
        return rezip([*members, (name, other)]), f"{name} twice, {copy}"
    if how == "rename":
        renamed = draw(
            st.sampled_from([name.upper(), name + ".bak", "../" + name, "/" + name, name.replace("/", "\\")])
        )
        return rezip([*members[:index], (renamed, member), *members[index + 1 :]]), f"{name} renamed {renamed}"
    if how == "replace":
        other = draw(st.binary(max_size=512), label="bytes")
        return rezip([*members[:index], (name, other), *members[index + 1 :]]), f"{name} replaced by {other[:20]!r}"
    if how == "stored":
        return rezip(members, compression=zipfile.ZIP_STORED), "every member stored"
    xml = dict(members)[sheet]
    mangled, described = mangled_xml(data, xml, is_ods)
    at = names.index(sheet)
    return rezip([*members[:at], (sheet, mangled), *members[at + 1 :]]), f"{sheet}: {described}"


@FUZZ
@given(data=st.data())
def test_damaged_archives(case, data):
    base = data.draw(st.sampled_from(ARCHIVES), label="base")
    kind, suffix, content = corpus()[base]
    changed, described = damaged_archive(data, content, suffix == ".ods")
    case.run(other_kind(data, kind), changed, suffix, f"{base}: {described}")


# --- hostile CSV ----------------------------------------------------------------------------------------


def csv_text(rows, delimiter=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def hostile_csv(data, kind):
    """(bytes, description): a kind's CSV in another encoding, with NULs, a long line, a long field, many
    columns or rows, stray quotes, other line ends, or broken UTF-8."""
    draw = data.draw
    text = csv_text(titled(kind))
    how = draw(
        st.sampled_from(
            [
                "encoding",
                "nul",
                "long line",
                "long field",
                "many columns",
                "many rows",
                "quotes",
                "line ends",
                "broken utf-8",
                "bom",
                "delimiters",
            ]
        ),
        label="csv",
    )
    if how == "encoding":
        encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1258", "latin-1", "cp1252"]))
        return text.encode(encoding, errors="replace"), f"encoded {encoding}"
    raw = text.encode()
    if how == "nul":
        positions = draw(st.lists(st.integers(0, len(raw)), min_size=1, max_size=8), label="positions")
        for position in sorted(positions, reverse=True):
            raw = raw[:position] + b"\0" + raw[position:]
        return raw, f"NUL at {sorted(positions)}"
    if how == "long line":
        length = draw(st.sampled_from([100_000, 1_000_000, 5_000_000]), label="length")
        return raw + b"88101;" + b"9" * length + b"\r\n", f"a line of {length:,} characters"
    if how == "long field":
        length = draw(st.sampled_from([131_072, 131_073, 2_000_000]), label="length")
        return raw + b'"' + b"x" * length + b'";1\r\n', f"a quoted field of {length:,} characters"
    if how == "many columns":
        columns = draw(st.sampled_from([1_000, 20_000, 200_000]), label="columns")
        header = raw.split(b"\r\n")[2]
        return raw + header + b";" * columns + b"\r\n" + b"1;" * columns + b"\r\n", f"{columns:,} columns"
    if how == "many rows":
        rows = draw(st.sampled_from([5_000, 20_000]), label="rows")
        return raw + b";;;\r\n" * rows + b"88101;x\r\n" * 50, f"{rows:,} empty rows, then junk"
    if how == "quotes":
        at = draw(st.integers(0, len(raw)), label="at")
        return raw[:at] + b'"' + raw[at:], f"a stray quote at byte {at:,}"
    if how == "line ends":
        ending = draw(st.sampled_from([b"\r", b"\n\r", b"\x0b", b"\x1c", "\u2028".encode()]))
        return raw.replace(b"\r\n", ending), f"lines ended by {ending!r}"
    if how == "broken utf-8":
        junk = draw(st.sampled_from([b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\xff\xfe"]))
        at = draw(st.integers(0, len(raw)), label="at")
        return raw[:at] + junk + raw[at:], f"{junk!r} at byte {at:,}"
    if how == "bom":
        return codecs.BOM_UTF8 * draw(st.integers(2, 5)) + raw, "the BOM repeated"
    delimiter = draw(st.sampled_from(["\t", "|", ",", ";;"]))
    return csv_text(titled(kind), delimiter=delimiter[0]).replace(delimiter[0], delimiter).encode(), (
        f"delimited by {delimiter!r}"
    )


@FUZZ
@given(data=st.data())
def test_hostile_csv(case, data):
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    content, described = hostile_csv(data, kind)
    case.run(other_kind(data, kind), content, ".csv", f"{kind}.csv: {described}")


# --- hostile cells --------------------------------------------------------------------------------------

HOSTILE_TEXTS = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-0",
    "0x10",
    "1_000",
    "١٢٣",
    "１２３",
    "3.553.553.553.553.553.553.553",
    "LONG9",
    "-1",
    "--1",
    " 7 ",
    "7\u00a0000",
    "=1+1",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "'=x",
    "13/2024",
    "00/2024",
    "07/99999",
    "tháng 99/2024",
    "2024-07-32",
    "31/02/2024",
    "29/02/2023",
    "01/01/0001",
    "9999-12-31",
    "2024-Q5",
    "88101\x00",
    "Tên\x00đơn vị",
    "８８１０１",
    "<script>alert(1)</script>",
    "'; DROP TABLE units_unit; --",
    "\u202e10188",
    "\ufeff88101",
    "LONG",
    "Tổng cộng",
]
HOSTILE_VALUES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([2**31, 2**53 + 1, 2**63, -(2**63), 10**15, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=30),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)),
    st.times(),
    st.booleans(),
    st.none(),
)


def writable(value, suffix):
    """The value as the format's writer takes it (openpyxl refuses control characters and dates before
    1900 as values; the .ods writer refuses booleans): else its text. LONG and LONG9 stand for long texts
    (shown so when hypothesis reports a case)."""
    if value == "LONG":
        value = "x" * 40_000
    elif value == "LONG9":
        value = "9" * 400
    if suffix == ".ods" and isinstance(value, bool):
        return str(value)
    if suffix == ".xlsx":
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("?", value)[:32_767]
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            return str(value)
        if isinstance(value, datetime.date) and value.year < 1900:
            return value.isoformat()
    return value


@FUZZ
@given(data=st.data())
def test_hostile_cells(case, data):
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    suffix = data.draw(st.sampled_from(WRITTEN), label="suffix")
    header, *good = TABLES[kind]
    rows = []
    for row in data.draw(st.lists(st.sampled_from(good), min_size=1, max_size=4), label="rows"):
        row = list(row)
        for column in data.draw(st.lists(st.integers(0, len(row) - 1), min_size=1, max_size=3), label="columns"):
            row[column] = data.draw(HOSTILE_VALUES, label="value")
        rows.append(row)
    rows = [[writable(value, suffix) for value in row] for row in [["BẢNG KÊ"], header, *rows]]
    path = write_rows(case.directory / f"cells{suffix}", rows)
    content = path.read_bytes()
    path.unlink()
    case.run(kind, content, suffix, f"{kind}{suffix} with rows {rows[2:]!r}"[:2000])


# --- by hand: the cases the mutations found, kept ------------------------------------------------------


def far_xlsx(tmp_path, cell='<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'):
    path = write_xlsx(tmp_path / "far.xlsx", TABLES["units"])
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    sheet = dict(members)["xl/worksheets/sheet1.xml"]
    members = [
        (
            name,
            sheet.replace(b"</sheetData>", b"<row>" + cell.encode() + b"</row></sheetData>")
            if name == "xl/worksheets/sheet1.xml"
            else content,
        )
        for name, content in members
    ]
    return rezip(members)


@pytest.mark.parametrize(
    "cell, corner",
    [
        ('<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>', "XFD1048576"),
        ('<c s="0" r="xfd1048576" t="inlineStr"><is><t>x</t></is></c>', "XFD1048576"),
        ('<c r="A4" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>', "XFD1048576"),
        ('<c r="A99999999" t="inlineStr"><is><t>x</t></is></c>', "D99999999"),
    ],
)
def test_a_cell_far_away_is_refused_before_the_sheet_is_read(case, tmp_path, cell, corner):
    """A 5 KB .xlsx with one value at XFD1048576 made calamine ask for 549 GB and abort the process."""
    report = case.run("units", far_xlsx(tmp_path, cell), ".xlsx", f"a cell {cell}")
    [error] = report.errors
    assert f"the sheet “Sheet1” reaches cell {corner}" in str(error)
    assert "the limit is 5,000,000: delete what lies outside the table" in str(error)


def test_an_empty_formatted_cell_far_away_does_not_count(case, tmp_path):
    report = case.run("units", far_xlsx(tmp_path, '<c r="XFD1048576" s="0"/>'), ".xlsx", "a formatted empty cell")
    assert report.ok and report.created == 2


def test_an_xls_cell_record_far_away_is_refused(case):
    content = bytearray((XLS / "units.xls").read_bytes())
    at = content.rfind(b"\xfd\x00\x0a\x00")  # the last LABELSST record: row, column, format, string
    content[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    report = case.run("units", bytes(content), ".xls", "a cell at row 65,536 of column 65,536")
    [error] = report.errors
    assert "reaches cell CRXP65536, a grid of 4,294,967,296 cells" in str(error)


def test_an_ods_row_of_values_repeated_a_million_times_is_refused(case, tmp_path):
    path = write_ods(tmp_path / "units.ods", TABLES["units"])
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    far = (
        b'<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="'
        b'100" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    members = [
        (n, c.replace(b"</table:table>", far + b"</table:table>") if n == "content.xml" else c) for n, c in members
    ]
    report = case.run("units", rezip(members), ".ods", "a row of values repeated a million times")
    [error] = report.errors
    assert "reaches cell CV1048579, a grid of 104,857,900 cells" in str(error)


def test_a_csv_field_over_the_csv_modules_limit_is_refused_naming_the_line(case):
    content = csv_text(TABLES["units"]).encode() + b'"' + b"x" * 200_000 + b'";1\r\n'
    report = case.run("units", content, ".csv", "a field of 200,000 characters")
    [error] = report.errors
    assert str(error).endswith("cannot be read: line 4: field larger than field limit (131072)")


def test_a_csv_row_of_200000_cells_is_read_in_seconds(case):
    """The header search looked at every cell of its first 20 rows: such a row took 30 s."""
    head = csv_text(TABLES["activities"]).encode()
    content = head + TABLES["activities"][0][0].encode() + b";" * 200_000 + b"\r\n" + b"1;" * 200_000 + b"\r\n"
    report = case.run("activities", content, ".csv", "a row of 200,000 cells")  # within SECONDS
    assert any("row 4" in str(error) for error in report.errors)  # the header row repeated as data


def test_merged_ranges_over_the_same_cells_are_refused(case, tmp_path):
    """Spreading merged values cost ranges × cells: 3,000 ranges over 3,000 cells took seconds, more minutes."""
    rows = [TABLES["units"][0]] + [[f"X{i}", "Xã", "xã", "881"] for i in range(1000)]
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    merges = b'<mergeCells count="3000">' + b'<mergeCell ref="A2:D1001"/>' * 3000 + b"</mergeCells>"
    members = [
        (n, c.replace(b"</sheetData>", b"</sheetData>" + merges) if n == "xl/worksheets/sheet1.xml" else c)
        for n, c in members
    ]
    report = case.run("units", rezip(members), ".xlsx", "3,000 merged ranges over the same cells")
    assert [str(e) for e in report.errors] == ["tệp «thử» 1.xlsx cannot be read: its merged cells overlap"]


def test_a_targets_xlsx_whose_sheet_breaks_half_way_is_refused(case):
    """openpyxl reads a sheet's XML as its rows are asked for: the error came after the file was opened."""
    _kind, _suffix, content = corpus()["targets.xlsx"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    members = [(n, c.replace(b"</row>", b"</row><row><c>", 1) if "worksheets/sheet" in n else c) for n, c in members]
    report = case.run("targets", rezip(members), ".xlsx", "a sheet whose XML breaks after the first row")
    [error] = report.errors
    assert str(error).startswith("tệp «thử» 1.xlsx cannot be read: ")


def test_a_readers_message_names_the_users_file_not_the_server_path(case):
    """openpyxl's message named the staged copy's path: `could not read worksheets from /tmp/...`."""
    _kind, _suffix, content = corpus()["targets.xlsx"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    members = [(n, after_prolog(c, XXE) if "worksheets/sheet" in n else c) for n, c in members]
    report = case.run("targets", rezip(members), ".xlsx", "a sheet with a document type")
    [error] = report.errors
    assert "tệp «thử» 1.xlsx" in str(error) and "upload-" not in str(error)  # Case.run checks the directory


@pytest.mark.parametrize(
    "kind, column, header",
    [
        ("units", 1, "Tên đơn vị"),
        ("procedures", 1, "Tên TTHC"),
        ("fields", 1, "Tên lĩnh vực"),
        ("activities", 4, "Ghi chú"),
        ("task_assignments", 1, "Nhiệm vụ"),
    ],
)
def test_a_nul_character_in_a_text_cell_is_an_error_of_its_row(case, kind, column, header):
    """PostgreSQL's text cannot hold NUL: the write failed as a whole ("the database refused the import"),
    naming no row, and SQLite stored it."""
    rows = [list(row) for row in TABLES[kind]]
    rows[1][column] = f"Tên\x00{rows[1][column]}"
    report = case.run(kind, csv_text(rows).encode(), ".csv", f"a NUL in {header}")
    assert [str(e) for e in report.errors] == [f"row 2, column {header}: a NUL character is not allowed"]


def test_an_ods_row_repeated_400000_times_stops_at_the_error_limit(case):
    """1 KB of .ods made a million rows (4 million cells), each refused three or four times: millions of
    errors kept in memory and stored, for minutes, and 700 MB. Now a grid of 4 million cells is over the
    limit, and 400,000 rows (1.6 million cells) stop at the 100,000th error."""
    _kind, _suffix, content = corpus()["targets.ods"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    far = (
        b'<table:table-row table:number-rows-repeated="400000"><table:table-cell office:value-type="float" '
        b'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
    )
    members = [
        (n, c.replace(b"</table:table>", far + b"</table:table>") if n == "content.xml" else c) for n, c in members
    ]
    report = case.run("targets", rezip(members), ".ods", "a row of one value repeated 400,000 times")
    first = str(report.errors[0])
    assert first.startswith("tệp «thử» 1.ods: more than 100,000 errors; the rows after row ")
    assert first.endswith(" were not checked") and 100_000 < len(report.errors) < 100_010


def test_errors_beyond_the_limit_are_not_collected(case, monkeypatch):
    from imports import runner

    monkeypatch.setattr(runner, "MAX_ERRORS", 1000)
    content = csv_text(TABLES["targets"]).encode() + b"1;;;\r\n" * 5000
    report = case.run("targets", content, ".csv", "5,000 rows without a year, a KPI or a target")
    assert str(report.errors[0]) == "tệp «thử» 1.csv: more than 1,000 errors; the rows after row 337 were not checked"
