"""A streaming reader of cell values from the first worksheet of an .xlsx file.

openpyxl's read-only mode builds objects for every cell, and for the inline strings that
openpyxl itself writes (our export, our template) it parses each one as rich text: about
a millisecond a row. The register import reads 100,000-row sheets twice (validate, then
import), so the sheet's XML is read here instead: values only, no styles, the values
openpyxl gives with ``values_only=True`` except that dates stay numbers (no register
column holds a date).

Two readers give the same result. The fast one matches each ``<c>`` element with one
regular expression, which covers what Excel, WPS, LibreOffice and openpyxl write (plain
shared, inline and formula strings, numbers, booleans); it counts the cells it understood
and, if any cell in the part escaped it (rich text, no ``r`` attribute, namespace
prefixes, CDATA …), the part is read again with expat callbacks, which handle any
well-formed sheet at about a quarter of the speed.

The archive is opened through ``spreadsheets.archive.open_xlsx_archive``, which refuses
zip bombs (total unzipped size, compression ratio, member count) before anything is
parsed; only the parts needed are read, with their declared sizes checked first; a
DOCTYPE is refused, so no entity expansion can happen; and no cell's text may pass
``ArchiveLimits.max_cell_chars`` (Excel's 32,767): both readers count while they read and
stop at the first cell past it, so a huge cell is never built."""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO
from xml.parsers import expat

from shequgang.spreadsheets.archive import (
    MAX_CELL_CHARS,
    ArchiveLimits,
    cell_too_long,
    open_xlsx_archive,
)

# Largest uncompressed part we agree to read (the sheet is streamed, shared strings are
# held in memory): far above 200,000 register rows, far below a zip bomb.
MAX_PART_BYTES = 1 << 30
MAX_SHARED_STRINGS_BYTES = 128 << 20
# Cells beyond this column are reported as present but not kept.
MAX_COLUMNS = 256
# The fast reader holds the decoded sheet in memory; larger sheets are streamed.
MAX_FAST_BYTES = 256 << 20
_FEED = 1 << 16

_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


class XlsxError(Exception):
    """The file is not a readable .xlsx workbook."""


def _names(local: str) -> set[str]:
    return {f"{ns} {local}" for ns in _MAIN}


_ROW, _C, _V, _T, _SI, _RPH = (_names(n) for n in ("row", "c", "v", "t", "si", "rPh"))


def iter_rows(
    data: bytes, limits: ArchiveLimits | None = None
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, values) for each row of the first worksheet that holds a value, in
    order. Values are str, int, float or bool; a missing cell is None. Raises XlsxError
    for a damaged file, ``spreadsheets.archive.ArchiveRefused`` for one past ``limits``
    (by default the settings')."""
    limits = limits or ArchiveLimits.from_settings()
    try:
        archive = open_xlsx_archive(data, limits)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxError(str(exc)) from None
    # zipfile and expat fail in many ways on a damaged or hostile file (an encrypted
    # member is a RuntimeError, an unknown compression a NotImplementedError …).
    try:
        with archive:
            shared = _shared_strings(archive, limits.max_cell_chars)
            sheet = _first_sheet(archive)
            fast = _fast_rows(archive, sheet, shared, limits.max_cell_chars)
            if fast is not None:
                yield from fast
            else:
                reader = _SheetReader(shared, limits.max_cell_chars)
                yield from reader.rows(_open(archive, sheet))
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        KeyError,
        IndexError,
        ValueError,
        RuntimeError,
        NotImplementedError,
        expat.ExpatError,
    ) as exc:
        raise XlsxError(str(exc)) from None


def _open(archive: zipfile.ZipFile, name: str, limit: int = MAX_PART_BYTES) -> IO[bytes]:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise XlsxError(f"{name} is too large")
    return archive.open(info)


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse_doctype(*_: object) -> None:
        raise XlsxError("DOCTYPE is not allowed")

    parser.StartDoctypeDeclHandler = refuse_doctype
    return parser


def _parse(parser: expat.XMLParserType, stream: IO[bytes]) -> None:
    while chunk := stream.read(_FEED):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part holding the workbook's first sheet (its first tab)."""
    rel_ids: list[str] = []
    targets: dict[str, str] = {}
    parser = _parser()

    def start_workbook(name: str, attrs: dict[str, str]) -> None:
        if name in _names("sheet"):
            rel_ids.extend(v for k, v in attrs.items() if k in {f"{ns} id" for ns in _REL})

    parser.StartElementHandler = start_workbook
    _parse(parser, _open(archive, "xl/workbook.xml", MAX_SHARED_STRINGS_BYTES))
    rels = _parser()

    def start_rel(name: str, attrs: dict[str, str]) -> None:
        if name == f"{_PKG_REL} Relationship" and "Id" in attrs and "Target" in attrs:
            targets[attrs["Id"]] = attrs["Target"]

    rels.StartElementHandler = start_rel
    _parse(rels, _open(archive, "xl/_rels/workbook.xml.rels", MAX_SHARED_STRINGS_BYTES))
    if not rel_ids or rel_ids[0] not in targets:
        raise XlsxError("the workbook has no worksheet")
    target = targets[rel_ids[0]]
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def _shared_strings(archive: zipfile.ZipFile, max_chars: int = MAX_CELL_CHARS) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0, "chars": 0}
    parser = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in _T and not state["phonetic"]:
            state["text"] = True
        elif name in _RPH:
            state["phonetic"] += 1
        elif name in _SI:
            parts.clear()
            state["chars"] = 0

    def end(name: str) -> None:
        if name in _T:
            state["text"] = False
        elif name in _RPH:
            state["phonetic"] -= 1
        elif name in _SI:
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["text"]:
            state["chars"] += len(data)
            if state["chars"] > max_chars:
                raise cell_too_long(max_chars)
            parts.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    _parse(parser, _open(archive, "xl/sharedStrings.xml", MAX_SHARED_STRINGS_BYTES))
    return strings


class _SheetReader:
    """Expat callbacks that turn <row>/<c> elements into tuples of values."""

    def __init__(self, shared: list[str], max_chars: int = MAX_CELL_CHARS) -> None:
        self.shared = shared
        self.max_chars = max_chars
        self.length = 0
        self.done: list[tuple[int, tuple[object, ...]]] = []
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.column = 0
        self.kind = ""
        self.text: list[str] = []
        self.capture = False
        self.phonetic = 0
        self.columns: dict[str, int] = {}

    def rows(self, stream: IO[bytes]) -> Iterator[tuple[int, tuple[object, ...]]]:
        parser = _parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        while chunk := stream.read(_FEED):
            parser.Parse(chunk, False)
            yield from self.done
            self.done.clear()
        parser.Parse(b"", True)
        yield from self.done

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name in _C:
            ref = attrs.get("r")
            self.column = self.column_of(ref) if ref else self.column + 1
            self.kind = attrs.get("t", "n")
            self.text = []
            self.length = 0
        elif name in _V or (name in _T and not self.phonetic):
            self.capture = True
        elif name in _RPH:
            self.phonetic += 1
        elif name in _ROW:
            ref = attrs.get("r")
            self.row_number = int(ref) if ref else self.row_number + 1
            self.cells = {}
            self.column = 0

    def end(self, name: str) -> None:
        if name in _C:
            value = self.value()
            if value is not None:
                # Keep one marker past the limit, so content out there is still noticed.
                self.cells[min(self.column, MAX_COLUMNS + 1)] = value
        elif name in _V or name in _T:
            self.capture = False
        elif name in _RPH:
            self.phonetic -= 1
        elif name in _ROW and self.cells:
            self.done.append((self.row_number, _padded(self.cells)))

    def chars(self, data: str) -> None:
        if self.capture:
            self.length += len(data)
            if self.length > self.max_chars:
                raise cell_too_long(self.max_chars)
            self.text.append(data)

    def value(self) -> object:
        if not self.text:
            return None
        raw = "".join(self.text)
        kind = self.kind
        if kind == "s":
            return self.shared[int(raw)]
        if kind in {"inlineStr", "str", "e", "d"}:
            return raw
        if kind == "b":
            return raw == "1"
        if any(c in raw for c in ".eE"):
            return float(raw)
        return int(raw)

    def column_of(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None:
            column = 0
            for ch in letters.upper():
                column = column * 26 + ord(ch) - 64
            self.columns[letters] = column
        return column


# A cell's text as written: at most MAX_CELL_CHARS characters, each at most 10 long
# (the character reference "&#1114111;"). A longer one is not matched, so the part goes
# to expat, which stops at the first cell past the limit.
_TEXT = f"[^<]{{0,{10 * MAX_CELL_CHARS}}}"
# One <c> element as Excel and openpyxl write it: the reference first, then any other
# attributes; an optional formula, then a value or an inline string (or nothing).
_CELL = re.compile(
    rf'<c r="([A-Z]{{1,3}})([0-9]+)"([^>]*?)(?:/>|>(?:<f>{_TEXT}</f>|<f(?: [^>]*)?/>)?'
    rf"(?:<v>({_TEXT})</v>|<v/>|<is><t(?: [^>]*)?>({_TEXT})</t></is>)?</c>)"
)
_TYPE = re.compile(r' t="([A-Za-z]+)"')
_UNSUPPORTED = ("<![CDATA[", "<!DOCTYPE", "<rPh")
# Every opening of a <c> element, however written, and a namespace-prefixed one.
_CELL_OPENING = re.compile(r"<c[\s/>]")
_PREFIXED_CELL = re.compile(r"<[A-Za-z_][\w.\-]*:c[\s/>]")


def _fast_rows(
    archive: zipfile.ZipFile, sheet: str, shared: list[str], max_chars: int = MAX_CELL_CHARS
) -> list[tuple[int, tuple[object, ...]]] | None:
    """Every row of the sheet, or None when some cell is written in a way the one
    expression does not cover (then the caller streams it through expat)."""
    if archive.getinfo(sheet).file_size > MAX_FAST_BYTES:
        return None
    text = archive.read(sheet).decode("utf-8")
    if any(marker in text for marker in _UNSUPPORTED) or _PREFIXED_CELL.search(text):
        return None
    rows: list[tuple[int, tuple[object, ...]]] = []
    cells: dict[int, object] = {}
    current = ""
    columns: dict[str, int] = {}
    found = _CELL.findall(text)
    # Every <c … element must have been understood, or some value would be lost.
    if len(found) != len(_CELL_OPENING.findall(text)):
        return None
    for letters, row, attrs, number, inline in found:
        if row != current:
            if cells:
                rows.append((int(current), _padded(cells)))
            cells, current = {}, row
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = min(_column_number(letters), MAX_COLUMNS + 1)
        if inline:
            value: object = _clean(inline) if "&" in inline or "\r" in inline else inline
        elif number:
            kind = _TYPE.search(attrs) if ' t="' in attrs else None
            value = _value(kind.group(1) if kind else "n", number, shared)
        else:
            continue
        if type(value) is str and len(value) > max_chars:
            raise cell_too_long(max_chars)
        cells[column] = value
    if cells:
        rows.append((int(current), _padded(cells)))
    numbers = [n for n, _ in rows]
    if numbers != sorted(set(numbers)):
        return None  # rows repeated or out of order: let the careful reader decide
    return rows


def _clean(raw: str) -> str:
    # Entities (no DTD is allowed, so only the XML ones) and XML end-of-line handling.
    return html.unescape(raw).replace("\r\n", "\n").replace("\r", "\n")


def _padded(cells: dict[int, object]) -> tuple[object, ...]:
    return tuple(cells.get(i) for i in range(1, max(cells) + 1))


def _column_number(letters: str) -> int:
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return column


def _value(kind: str, raw: str, shared: list[str]) -> object:
    if "&" in raw or "\r" in raw:
        raw = _clean(raw)
    if kind == "s":
        return shared[int(raw)]
    if kind in {"inlineStr", "str", "e", "d"}:
        return raw
    if kind == "b":
        return raw == "1"
    if "." in raw or "e" in raw or "E" in raw:
        return float(raw)
    return int(raw)
