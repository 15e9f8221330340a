"""The register sheet (居民台账): its column layout, shared by the import, the export and the
downloadable template, and the reading of an uploaded .xlsx into rows of cells."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from shequgang.errors import DomainError
from shequgang.people.id_numbers import make_id_number
from shequgang.people.models import Relation, ResidentTag
from shequgang.people.xlsx_reader import XlsxError, iter_rows
from shequgang.spreadsheets.cells import restore
from shequgang.spreadsheets.xlsx import XLSX_CONTENT_TYPE, XlsxBook
from shequgang.spreadsheets.xlsx import Column as SheetColumn

__all__ = ["XLSX_CONTENT_TYPE", "read_sheet", "register_template"]
SHEET_TITLE = "居民台账"
# A guard against sheets that decompress to millions of rows; far above a real community.
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    hint: str


COLUMNS: tuple[Column, ...] = (
    Column("county", "县(市、区)", True, "如：离石区"),
    Column("town", "乡镇/街道", True, "如：滨河街道"),
    Column("community", "社区/村", True, "如：城东社区"),
    Column("compound", "小区", False, "楼栋直属社区（不在小区内）时留空"),
    Column("building", "楼栋", True, "须已在系统中建立，如：1号楼"),
    Column("unit", "单元", False, "无单元时留空；系统中没有的单元会自动建立"),
    Column("household", "户号/门牌", True, "如：101；系统中没有的户会自动建立"),
    Column("floor_area", "专有面积(㎡)", False, "户的专有部分面积，最多两位小数"),
    Column("name", "姓名", True, "不超过50个字"),
    Column("id_number", "身份证号", True, "18位，请以文本格式填写"),
    Column("phone", "手机号", False, "手机或固定电话"),
    Column("relation", "与户主关系", True, "可填：" + "、".join(Relation.labels)),
    Column("tags", "标签", False, "多个标签用逗号分隔，须为系统中已有的标签"),
    Column("note", "备注", False, "不超过200个字"),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

# (row, column header, code, message): how reading reports a problem.
OnError = Callable[[int, str, str, str], None]


def _header_key(text: str) -> str:
    # NFKC folds full-width brackets and ㎡, so "县（市、区）" matches "县(市、区)"; a "*"
    # marking required columns is ignored.
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", text))


_HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}


def cell_text(value: object) -> str:
    if type(value) is str:
        # Our export quotes text that would run as a formula; reading it back undoes that.
        return restore(value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_NO_FLOATS: frozenset[str] = frozenset()


@dataclass(slots=True)
class SheetRow:
    row: int  # the spreadsheet's row number; the header is row 1
    texts: dict[str, str]  # each cell's text by column key
    floats: frozenset[str] = _NO_FLOATS  # columns whose cell held a decimal number

    def text(self, key: str) -> str:
        return self.texts.get(key, "")


def read_sheet(data: bytes, on_error: OnError) -> list[SheetRow]:
    """The non-blank data rows of the workbook's first sheet, keyed by column; the first
    non-blank row is the header. Header problems are passed to ``on_error`` (and then no
    rows come back). Raises DomainError ``invalid_file`` for anything that is not a
    readable .xlsx, ``too_many_rows`` past ``MAX_ROWS``, and ``spreadsheets.archive``'s
    refusals (a zip bomb, a cell past 32,767 characters) before anything is parsed."""
    if not data.startswith(b"PK"):
        raise DomainError("invalid_file", "文件不是有效的 .xlsx 表格（旧版 .xls 请另存为 .xlsx）")
    try:
        return _rows(iter_rows(data), on_error)
    except XlsxError:
        raise DomainError("invalid_file", "无法读取该 .xlsx 文件，文件可能已损坏") from None


def _rows(lines: Iterable[tuple[int, tuple[object, ...]]], on_error: OnError) -> list[SheetRow]:
    keys: list[str] | None = None
    out: list[SheetRow] = []
    for number, values in lines:
        texts = [cell_text(v) for v in values]
        if not any(texts):
            continue
        if keys is None:
            keys = _header(number, texts, on_error)
            if keys is None:
                return []
            continue
        if len(out) == MAX_ROWS:
            raise DomainError("too_many_rows", f"一次最多导入{MAX_ROWS}行")
        if any(texts[len(keys) :]) or any(t for k, t in zip(keys, texts, strict=False) if not k):
            on_error(number, "", "extra_cells", "没有表头的列中有内容")
        floats = frozenset(k for k, v in zip(keys, values, strict=False) if k and type(v) is float)
        out.append(
            SheetRow(
                number,
                {k: t for k, t in zip(keys, texts, strict=False) if k},
                floats or _NO_FLOATS,
            )
        )
    if keys is None:
        on_error(0, "", "no_header", "文件是空的：第一行应为表头")
    elif not out:
        on_error(0, "", "no_rows", "文件中没有数据行")
    return out


def _header(number: int, cells: Sequence[str], on_error: OnError) -> list[str] | None:
    """The column key of each header cell ("" for blank ones), or None if it is wrong."""
    texts = list(cells)
    while texts and texts[-1] == "":
        texts.pop()
    keys: list[str] = []
    bad = False
    for text in texts:
        column = _HEADER_KEYS.get(_header_key(text)) if text else None
        if text and column is None:
            on_error(number, text, "unknown_header", f"无法识别的表头“{text}”")
            bad = True
        elif column is not None and column.key in keys:
            on_error(number, column.header, "duplicate_header", f"表头“{column.header}”重复")
            bad = True
        keys.append(column.key if column is not None else "")
    for column in COLUMNS:
        if column.required and column.key not in keys:
            on_error(number, column.header, "missing_header", f"缺少必填列“{column.header}”")
            bad = True
    return None if bad else keys


# Text format for columns whose digits must stay as typed (18 digits, leading zeros).
_TEXT_COLUMNS = frozenset({"id_number", "phone", "household"})


def register_template() -> bytes:
    """An .xlsx with the header row (required columns in red) and one example row, and
    a sheet of instructions listing the relation labels and the tags in use."""
    import datetime as dt

    book = XlsxBook()
    sheet = book.add_sheet(
        SHEET_TITLE,
        [
            SheetColumn(
                c.header,
                width=20 if c.key == "id_number" else 13,
                text=c.key in _TEXT_COLUMNS,
                required=c.required,
            )
            for c in COLUMNS
        ],
    )
    example = {
        "county": "离石区",
        "town": "滨河街道",
        "community": "城东社区",
        "compound": "滨东花园小区",
        "building": "1号楼",
        "unit": "1单元",
        "household": "101",
        "floor_area": 89.5,
        "name": "张三",
        "id_number": make_id_number("141102", dt.date(1980, 5, 17), 11),
        "phone": "13800000000",
        "relation": str(Relation.HEAD.label),
        "tags": "党员",
        "note": "示例行，导入前请删除",
    }
    sheet.append([example[c.key] for c in COLUMNS])
    notes = book.add_sheet(
        "填写说明", [SheetColumn("列", width=14), "是否必填", SheetColumn("说明", width=60)]
    )
    for column in COLUMNS:
        notes.append([column.header, "必填" if column.required else "选填", column.hint])
    notes.append([])
    notes.append(
        [
            "可用标签",
            "、".join(ResidentTag.objects.filter(active=True).values_list("name", flat=True)),
        ]
    )
    notes.append(
        ["说明", "只导入第一个工作表；第1行为表头，红色为必填列；任何一行有误则整个文件都不导入。"]
    )
    return book.to_bytes()
