"""Writing .xlsx files: every sheet the platform hands out is written here.

``XlsxBook`` writes row by row in openpyxl's write-only mode (a 100,000-row register
export never holds its cells in memory), with the defaults every export shares: lines
above the table if any (a title), one header row in bold (required columns in red), the
header frozen, column widths. ``append`` passes each value through ``cells``: text that
would run as a formula gets its quote and is stored as a string cell; numbers, Decimals,
booleans and dates stay what they are; aware datetimes are written in local time
(Excel has no time zones); anything else is written as its text."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from shequgang.spreadsheets.cells import ILLEGAL_CHARACTERS, LEADING_TRIGGERS, neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REQUIRED_COLOR = "B71C1C"
_AS_IS = frozenset({int, float, Decimal, bool, dt.date, type(None)})
_ERROR_CODES = frozenset(ERROR_CODES)


@dataclass(frozen=True)
class Column:
    """One column of a sheet's table. ``width`` is in characters (default: fits the
    header); ``text`` formats the column as text, so what someone types there later
    (an 18-digit ID number, a leading zero) stays as typed; ``required`` shows the
    header in red."""

    header: str
    width: float | None = None
    text: bool = False
    required: bool = False


def _display_width(text: str) -> int:
    # CJK characters take two columns' width.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class XlsxSheet:
    """One sheet of an ``XlsxBook``; rows go in with ``append``."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet
        self.rows = 0  # rows appended after the header

    def append(self, values: Sequence[object]) -> None:
        """Add a row, each value made safe (``cells.neutralise`` for text)."""
        self._sheet.append([self._cell(v) for v in values])
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.append(row)

    def _cell(self, value: object) -> object:
        kind = type(value)
        if kind is str:
            return self._text(value)  # type: ignore[arg-type]
        if kind in _AS_IS:
            return value
        if isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                return timezone.localtime(value).replace(tzinfo=None)
            return value
        if isinstance(value, int | float | Decimal | dt.date):
            return value
        return self._text(str(value))

    def _text(self, text: str) -> object:
        if not text:
            return text
        if text[0] in LEADING_TRIGGERS or text in _ERROR_CODES or ILLEGAL_CHARACTERS.search(text):
            # Stored as a string whatever it looks like: openpyxl would otherwise keep a
            # leading "=" as a formula and "#N/A" as an error value.
            cell = WriteOnlyCell(self._sheet, value=neutralise(text))
            cell.data_type = "s"
            return cell
        return text


class XlsxBook:
    """A workbook written sheet by sheet, row by row; ``to_bytes`` once at the end."""

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)

    def add_sheet(
        self,
        title: str,
        columns: Sequence[Column | str],
        *,
        above: Sequence[Sequence[object]] = (),
    ) -> XlsxSheet:
        """A sheet named ``title`` whose table has ``columns``: the ``above`` lines, then
        the header row (bold, frozen), then whatever is appended."""
        sheet = self._book.create_sheet(_sheet_title(title))
        cols = [c if isinstance(c, Column) else Column(c) for c in columns]
        for index, column in enumerate(cols, start=1):
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = column.width or min(60, max(8, _display_width(column.header) + 2))
            if column.text:
                dimension.number_format = "@"
        if cols:
            sheet.freeze_panes = f"A{len(above) + 2}"
        writer = XlsxSheet(sheet)
        for line in above:
            writer.append(line)
        header = []
        for column in cols:
            cell = WriteOnlyCell(sheet, value=neutralise(column.header))
            cell.data_type = "s"
            cell.font = Font(bold=True, color=_REQUIRED_COLOR if column.required else None)
            header.append(cell)
        if header:
            sheet.append(header)
        writer.rows = 0
        return writer

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel's rules for a tab's name: at most 31 characters, none of []:*?/\ .
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet"


def xlsx_bytes(
    *, title: str, headers: Sequence[Column | str], rows: Iterable[Sequence[object]]
) -> bytes:
    """A one-sheet .xlsx: ``headers`` then ``rows``, every cell made safe."""
    book = XlsxBook()
    book.add_sheet(title, headers).extend(rows)
    return book.to_bytes()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """``content`` as a download named ``filename`` (any characters: RFC 6266 encoding)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response
