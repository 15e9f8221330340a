"""Benchmark: what a hostile .xlsx costs the register import's reader.

    .venv/bin/python bench/xlsx_bomb.py                 # a 300 MB cell, about 300 KB on disk
    .venv/bin/python bench/xlsx_bomb.py --megabytes 300 --shared

Builds a workbook whose first sheet holds one cell of ``--megabytes`` MB of one repeated
character (deflate squeezes it about 1,000 to 1), in the sheet itself (an inline string,
the default) or in the shared strings (``--shared``), then hands it to
``register_sheet.read_sheet`` — the first thing an import, a dry run, the API and the
upload page do with a file — and prints the CPU seconds it took and what came of it
(rows read, or the error code it was refused with)."""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = (
    "县(市、区)",
    "乡镇/街道",
    "社区/村",
    "楼栋",
    "户号/门牌",
    "姓名",
    "身份证号",
    "与户主关系",
    "备注",
)


def hostile_workbook(megabytes: int, *, shared: bool) -> bytes:
    """A register-shaped workbook whose second row's 备注 cell is ``megabytes`` MB long,
    streamed into the zip so this script never holds the cell in memory either."""
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="居民台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="x"'
            ' Target="worksheets/sheet1.xml"/></Relationships>',
        )
        sheet_head = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row><row r="2">'
        big_cell_open = '<c r="I2" t="inlineStr"><is><t>' if not shared else ""
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(sheet_head.encode())
            if shared:
                sheet.write(b'<c r="I2" t="s"><v>0</v></c>')
            else:
                sheet.write(big_cell_open.encode())
                _write_run(sheet, megabytes)
                sheet.write(b"</t></is></c>")
            sheet.write(b"</row></sheetData></worksheet>")
        if shared:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
                _write_run(strings, megabytes)
                strings.write(b"</t></si></sst>")
    return out.getvalue()


def _write_run(stream: io.BufferedIOBase | object, megabytes: int) -> None:
    block = b"A" * (1 << 20)
    for _ in range(megabytes):
        stream.write(block)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--shared", action="store_true", help="put the cell in sharedStrings")
    args = parser.parse_args()
    os.environ.setdefault("SHEQUGANG_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequgang.settings")
    import django

    django.setup()
    from shequgang.errors import DomainError
    from shequgang.people.register_sheet import read_sheet

    data = hostile_workbook(args.megabytes, shared=args.shared)
    where = "shared strings" if args.shared else "inline string"
    print(f"file: {len(data) / 1024:,.0f} KB on disk, one {args.megabytes} MB cell ({where})")
    problems: list[str] = []
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        rows = read_sheet(data, lambda row, column, code, message: problems.append(code))
        outcome = f"read {len(rows)} rows, problems: {problems or 'none'}"
    except DomainError as exc:
        outcome = f"refused: {exc.status} {exc.code} — {exc.message}"
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(outcome)
    print(f"CPU {cpu:.2f} s, wall {wall:.2f} s, peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
