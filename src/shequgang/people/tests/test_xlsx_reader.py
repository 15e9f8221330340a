"""The sheet reader behind the register import: the fast reader and the expat reader give
the same values, and whatever the fast one does not understand goes to the expat one."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from shequgang.people import xlsx_reader
from shequgang.people.xlsx_reader import XlsxError, iter_rows
from shequgang.spreadsheets.archive import MAX_CELL_CHARS, ArchiveLimits, ArchiveRefused
from shequgang.spreadsheets.testing import workbook_with_long_cell

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def workbook(sheet_data: str, shared: str | None = None, *, root: str = "") -> bytes:
    """A minimal .xlsx as Excel lays it out, with ``sheet_data`` as the first sheet's rows."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="台账" sheetId="1" r:id="rId7"/><sheet name="说明" sheetId="2" r:id="rId8"/>'
            "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}">'
            '<Relationship Id="rId8" Type="x" Target="worksheets/sheet2.xml"/>'
            '<Relationship Id="rId7" Type="x" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            root or f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
        )
        z.writestr(
            "xl/worksheets/sheet2.xml",
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            "<is><t>second sheet</t></is></c></row></sheetData></worksheet>",
        )
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{shared}</sst>')
    return out.getvalue()


def both_readers(data: bytes) -> tuple[object, list[tuple[int, tuple[object, ...]]]]:
    """What the fast reader makes of the first sheet (None: declined) and what expat makes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared = xlsx_reader._shared_strings(archive)
        sheet = xlsx_reader._first_sheet(archive)
        fast = xlsx_reader._fast_rows(archive, sheet, shared)
        careful = list(xlsx_reader._SheetReader(shared).rows(xlsx_reader._open(archive, sheet)))
    return fast, careful


EXCEL_LIKE = (
    '<row r="1" spans="1:4"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="D1" t="s"><v>2</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><v>141102198005170011</v></c>'
    '<c r="C3" s="2"><v>89.5</v></c><c r="D3" t="b"><v>1</v></c>'
    '<c r="E3" t="str"><f>A3&amp;"!"</f><v>a &amp; b</v></c><c r="F3" s="3"/></row>'
)
EXCEL_SHARED = (
    '<si><t>县(市、区)</t></si><si><t xml:space="preserve"> 乡镇/街道 </t></si>'
    "<si><r><rPr><b/></rPr><t>社区</t></r><r><t>/村</t></r>"
    '<rPh sb="0" eb="1"><t>しゃく</t></rPh></si><si><t>&lt;离石区&gt;</t></si>'
)


def test_an_excel_style_sheet_reads_the_same_both_ways() -> None:
    fast, careful = both_readers(workbook(EXCEL_LIKE, EXCEL_SHARED))

    assert (
        fast
        == careful
        == [
            (1, ("县(市、区)", " 乡镇/街道 ", None, "社区/村")),
            (3, ("<离石区>", 141102198005170011, 89.5, True, "a & b")),
        ]
    )


def test_the_first_tab_is_read_whatever_the_relationship_order() -> None:
    rows = list(iter_rows(workbook(EXCEL_LIKE, EXCEL_SHARED)))

    assert rows[0][1][0] == "县(市、区)"


@pytest.mark.parametrize(
    "sheet_data",
    [
        # Rich text in an inline string.
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>社</t></r><r><t>区</t></r></is></c></row>',
        # Cells without references.
        '<row><c t="inlineStr"><is><t>社区</t></is></c><c><v>2</v></c></row>',
        # Attributes on another line, or in another order.
        '<row r="1"><c\n r="A1" t="inlineStr"><is><t>社区</t></is></c></row>',
        '<row r="1"><c t="inlineStr" r="A1"><is><t>社区</t></is></c></row>',
    ],
)
def test_what_the_fast_reader_does_not_cover_goes_to_expat(sheet_data: str) -> None:
    data = workbook(sheet_data)
    fast, careful = both_readers(data)

    assert fast is None
    assert careful[0][1][0] == "社区"
    assert list(iter_rows(data)) == careful


def test_namespace_prefixes_are_understood() -> None:
    root = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr">'
        "<x:is><x:t>前缀</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"
    )

    assert list(iter_rows(workbook("", root=root))) == [(2, (None, "前缀"))]


def test_an_openpyxl_workbook_reads_as_openpyxl_reads_it() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["姓名", "身份证号", "面积", None, "是"])
    sheet.append(["张 & 李 <三>", "14110219800517001X", 89.5, None, True])
    sheet.append([])
    sheet.append(["  空格  ", 12, -3.25])
    out = io.BytesIO()
    book.save(out)

    fast, careful = both_readers(out.getvalue())

    assert (
        fast
        == careful
        == [
            (1, ("姓名", "身份证号", "面积", None, "是")),
            (2, ("张 & 李 <三>", "14110219800517001X", 89.5, None, True)),
            (4, ("  空格  ", 12, -3.25)),
        ]
    )


def test_a_doctype_is_refused() -> None:
    root = f'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet xmlns="{MAIN}"><sheetData/></worksheet>'

    with pytest.raises(XlsxError):
        list(iter_rows(workbook("", root=root)))


@pytest.mark.parametrize(
    "data",
    [b"plain text", b"PK\x03\x04 broken", workbook("<row><c r='A1'>")],
)
def test_damaged_files_raise_xlsx_error(data: bytes) -> None:
    with pytest.raises(XlsxError):
        list(iter_rows(data))


# --- Bounds ------------------------------------------------------------------------------

WIDE_OPEN = ArchiveLimits(max_unzipped_bytes=1 << 30, max_ratio=1 << 20)


@pytest.mark.parametrize(
    "layout",
    [
        {},  # an inline string: the fast reader
        {"references": False},  # cells without references: the expat reader
        {"shared": True},  # a shared string
        {"fill": b"&#20013;"},  # character references, counted as the characters they are
    ],
    ids=["inline", "expat", "shared", "charrefs"],
)
def test_a_cell_is_read_up_to_excels_limit_and_refused_past_it(layout: dict[str, object]) -> None:
    # Given the zip-bomb checks out of the way, so only the cell's length is at stake,
    def rows(length: int) -> list[tuple[int, tuple[object, ...]]]:
        data = workbook_with_long_cell(["备注"], length=length, **layout)  # type: ignore[arg-type]
        return list(iter_rows(data, WIDE_OPEN))

    # a cell of exactly 32,767 characters is read,
    assert len(str(rows(MAX_CELL_CHARS)[1][1][0])) == MAX_CELL_CHARS
    # and one of 32,768 is refused.
    with pytest.raises(ArchiveRefused) as refused:
        rows(MAX_CELL_CHARS + 1)
    assert (refused.value.code, refused.value.status) == ("cell_too_long", 400)


def test_a_huge_cell_is_refused_while_streaming() -> None:
    # Given an 8 MB cell in a sheet the expat reader streams (no references),
    data = workbook_with_long_cell(["备注"], length=8 << 20, references=False)

    # then the reader refuses it at the limit instead of assembling the value.
    with pytest.raises(ArchiveRefused, match="cell_too_long"):
        list(iter_rows(data, WIDE_OPEN))


def test_a_member_that_lies_about_its_size_is_damaged() -> None:
    # Given a sheet whose directory says 100 bytes but which inflates to 10 MB,
    data = workbook_with_long_cell(["备注"], length=10 << 20)

    # then the size checks see 100 bytes, and zipfile stops there: the CRC fails.
    lying = _declare_size(data, "xl/worksheets/sheet1.xml", 100)
    with pytest.raises(XlsxError):
        list(iter_rows(lying, WIDE_OPEN))


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with ``name``'s uncompressed size rewritten in the central directory (and
    its zip64 extra field, which the builder writes)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    entry = out.find(b"PK\x01\x02", out.rfind(b"PK\x05\x06") - 2000)
    while entry >= 0:
        name_length, extra_length = struct.unpack_from("<HH", out, entry + 28)
        if out[entry + 46 : entry + 46 + name_length] == name.encode():
            struct.pack_into("<I", out, entry + 24, size)
            extra = entry + 46 + name_length
            end = extra + extra_length
            while extra < end:
                tag, length = struct.unpack_from("<HH", out, extra)
                if tag == 1:  # zip64: the real sizes live here
                    struct.pack_into("<Q", out, extra + 4, size)
                extra += 4 + length
            assert info.file_size != size
            return bytes(out)
        entry = out.find(b"PK\x01\x02", entry + 4)
    raise AssertionError(f"{name} not in the directory")
