"""The .xlsx writer: hostile text is stored as quoted text, never as a formula; numbers,
dates and booleans keep their types; the shared layout (bold frozen header, widths)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shequgang.spreadsheets.testing import HOSTILE_FORMULA, formula_cells, workbook_cells
from shequgang.spreadsheets.xlsx import Column, XlsxBook, xlsx_bytes, xlsx_response

HOSTILE = [HOSTILE_FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_quoted_text(text: str) -> None:
    # Given a row with a hostile text, when it is written and read back,
    content = xlsx_bytes(title="表", headers=["备注"], rows=[[text]])
    (_, cell) = workbook_cells(content)

    # then it is a string cell holding the quoted text.
    assert cell.data_type == "s"
    # (XML turns a lone carriage return into a line feed when it is read back.)
    assert cell.value == "'" + text.replace("\r", "\n")
    assert formula_cells(content) == []


def test_values_keep_their_types() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    at = dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC)
    row = [-5, -2.5, Decimal("-89.50"), True, dt.date(2026, 1, 2), at, "#N/A", "", None, 7]

    content = xlsx_bytes(title="表", headers=[str(i) for i in range(10)], rows=[row])

    cells = {c.coordinate: c for c in workbook_cells(content)}
    assert [cells[f"{c}2"].value for c in "ABCD"] == [-5, -2.5, -89.5, True]
    assert [cells[f"{c}2"].data_type for c in "ABCD"] == ["n", "n", "n", "b"]
    assert cells["E2"].value == dt.datetime(2026, 1, 2, tzinfo=None)  # noqa: DTZ001 (Excel's)
    # an aware datetime is written as Beijing wall-clock time
    assert cells["F2"].value == at.astimezone(shanghai).replace(tzinfo=None)
    assert (cells["G2"].value, cells["G2"].data_type) == ("#N/A", "s")  # not an error value
    assert "I2" not in cells and cells["J2"].value == 7


def test_other_objects_are_written_as_their_text() -> None:
    class Code:
        def __str__(self) -> str:
            return "=evil()"

    (_, cell) = workbook_cells(xlsx_bytes(title="表", headers=["x"], rows=[[Code()]]))
    assert (cell.value, cell.data_type) == ("'=evil()", "s")


def test_the_shared_layout() -> None:
    # Given a book with a title line above a table,
    book = XlsxBook()
    sheet = book.add_sheet(
        "名单/2026:[全]",
        [Column("身份证号", width=20, text=True, required=True), "备注"],
        above=[["=标题"]],
    )
    sheet.append(["x", "y"])
    assert sheet.rows == 1

    ws = load_workbook(io.BytesIO(book.to_bytes())).worksheets[0]

    # then the title is safe, the header bold (required in red) and frozen below it,
    assert ws.title == "名单_2026__全_"  # characters Excel refuses in a tab name
    assert ws["A1"].value == "'=标题"
    assert ws["A2"].font.b and ws["A2"].font.color.rgb == "00B71C1C"
    assert ws["B2"].font.b and ws["B2"].font.color is None
    assert ws.freeze_panes == "A3"
    # with the widths set and the text column formatted as text.
    assert ws.column_dimensions["A"].width == 20
    assert ws.column_dimensions["B"].width == 8  # the narrowest: 2 CJK characters + margin is 6
    assert ws.column_dimensions["A"].number_format == "@"


def test_a_header_that_looks_like_a_formula_is_text_too() -> None:
    content = xlsx_bytes(title="表", headers=["=1+1"], rows=[])
    (cell,) = workbook_cells(content)
    assert (cell.value, cell.data_type) == ("'=1+1", "s")


def test_the_response_is_a_download_with_the_name_encoded() -> None:
    response = xlsx_response(b"PK", "居民台账.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
