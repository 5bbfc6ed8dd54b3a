"""core.xlsx's tables: the cells it writes as text itself are those openpyxl's own writer makes (values,
types, number formats, fonts, borders), the styles are shared by the cells of a column, and any iterable
of rows is read once."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from core import xlsx

COLUMNS = [
    xlsx.Col("Text"),
    xlsx.Col("Count", xlsx.COUNT),
    xlsx.Col("Rate", xlsx.PERCENT, 10),
    xlsx.Col("Gap", xlsx.POINTS),
    xlsx.Col("Amount", xlsx.DECIMAL),
    xlsx.Col("Day", xlsx.DATE, 12),
    xlsx.Col("Any", width=20, choices=("a", "b")),
]
ROWS = [
    ["=SUM(A1)", 1234, Decimal("26.15"), Decimal("-3.85"), Decimal("12.5"), datetime.date(2024, 7, 1), " lead"],
    ["a & b < c > d", 0, 50, Decimal("0"), 3.25, None, "trail "],
    [None, None, None, None, None, datetime.datetime(2024, 7, 1, 13, 5), True],
    ["-2", 10**12, Decimal("100"), 1.5, Decimal("1234567.89"), "01/02/2024", datetime.date(2020, 1, 31)],
    ["x\ny", 5, 0.5, None, None, datetime.date(1900, 1, 15), 3.14159],
    ["'=x", Decimal("7"), 1, 2, 3, None, ""],
    ["short"],
]


def workbook_of(rows, *, text_writer=True, monkeypatch=None):
    if not text_writer:
        # Without a text stream to write to (lxml's writer has none), openpyxl writes the cells itself.
        monkeypatch.setattr(xlsx._TableSheet, "_writes_text", staticmethod(lambda xf: None))
    workbook = xlsx.new_workbook()
    xlsx.add_table(workbook, sheet_title="Sheet", titles=["Title", "Second"], columns=COLUMNS, rows=rows, note="=note")
    return workbook


def cells(workbook):
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.to_bytes(workbook))).active
    return [
        (c.coordinate, c.value, c.data_type, c.number_format, c.font.b, c.font.i, c.border.left.style)
        for row in sheet.iter_rows()
        for c in row
    ], sheet


def test_the_cells_written_as_text_are_openpyxls(monkeypatch):
    fast, sheet = cells(workbook_of(iter(ROWS)))
    slow, _sheet = cells(workbook_of(iter(ROWS), text_writer=False, monkeypatch=monkeypatch))
    assert fast == slow
    assert [c.value for c in sheet[4]] == ["Text", "Count", "Rate", "Gap", "Amount", "Day", "Any"]
    assert [c.value for c in sheet[5]][:6] == [
        "'=SUM(A1)",
        1234,
        pytest.approx(0.2615),
        pytest.approx(-3.85),
        12.5,
        datetime.datetime(2024, 7, 1),
    ]
    assert [sheet["B5"].number_format, sheet["C5"].number_format, sheet["F5"].number_format] == [
        "#,##0",
        "0.00%",
        "dd/mm/yyyy",
    ]
    assert sheet["A6"].value == "a & b < c > d" and sheet["G5"].value == " lead"
    assert sheet["G7"].value is True
    assert sheet["G8"].value == datetime.datetime(2020, 1, 31) and sheet["G8"].number_format == "yyyy-mm-dd"
    assert sheet["A10"].value == "''=x"  # an apostrophe of its own is kept: the import drops one
    assert sheet["A13"].value == "'=note" and sheet["A13"].font.i
    assert sheet.freeze_panes == "A5"
    assert sheet.column_dimensions["C"].width == 10


def test_styles_are_shared_by_the_cells_of_a_column():
    few, many = workbook_of(ROWS[:2]), workbook_of(ROWS[:2] * 500)
    xlsx.to_bytes(few), xlsx.to_bytes(many)
    assert len(many._cell_styles) == len(few._cell_styles) < 20


def test_a_character_xml_cannot_hold_is_refused_as_openpyxl_refuses_it():
    with pytest.raises(openpyxl.utils.exceptions.IllegalCharacterError):
        workbook_of([["bad \x01 text"]])
