"""Benchmark: what a hostile .xlsx costs the register import's reader.

    .venv/bin/python bench/xlsx_bomb.py                  # the cases below, one line each
    .venv/bin/python bench/xlsx_bomb.py --megabytes 300  # the cell's size in the XML
    .venv/bin/python bench/xlsx_bomb.py --measure        # a real 100,000-row file's size

Builds register-shaped workbooks whose second row holds one huge cell (deflate packs it
about 1,000 to 1, so each file is a few hundred KB): plain letters in the sheet, the
same in the shared strings, character references (``&#20013;``, the slowest to decode),
and letters in cells without references (which sends the sheet to the expat reader).
Each goes to ``register_sheet.read_sheet`` — the first thing an import, a dry run, the
API and the upload page do with a file — and the CPU seconds, peak memory and outcome
(rows read, or the code it was refused with) are printed. Each case runs in its own
process, so one case's memory does not count against the next.

``--measure`` writes a 100,000-row register sheet the way ``bench/import_residents.py``
does and prints its size on disk and unzipped, the figure the default of
SHEQUGANG_IMPORT_MAX_UNZIPPED_BYTES is set from."""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

CASES = {
    "letters": {"fill": b"A"},
    "shared": {"fill": b"A", "shared": True},
    "charrefs": {"fill": b"&#20013;"},
    "no-refs": {"fill": b"A", "references": False},
}


def setup() -> None:
    os.environ.setdefault("SHEQUGANG_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequgang.settings")
    import django

    django.setup()


def run_case(case: str, megabytes: int) -> None:
    setup()
    from shequgang.errors import DomainError
    from shequgang.people.register_sheet import HEADERS, read_sheet
    from shequgang.spreadsheets.testing import workbook_with_long_cell

    options = dict(CASES[case])
    fill = options.pop("fill")
    assert isinstance(fill, bytes)
    data = workbook_with_long_cell(
        HEADERS, length=megabytes * 2**20 // len(fill), fill=fill, **options
    )
    problems: list[str] = []
    cpu = time.process_time()
    try:
        rows = read_sheet(data, lambda row, column, code, message: problems.append(code))
        outcome = f"read {len(rows)} row(s)"
    except DomainError as exc:
        outcome = f"refused {exc.status} {exc.code}"
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"| {case:<9} | {megabytes:>4} MB | {len(data) / 1024:>6,.0f} KB "
        f"| {cpu:>6.2f} | {peak:>7,.0f} | {outcome} |",
        flush=True,
    )


def measure(rows: int) -> None:
    setup()
    import import_residents as bench

    per_building = bench.UNITS * bench.FLOORS * bench.FLATS * bench.PEOPLE
    buildings = [
        (f"第{b // 20 + 1}小区", f"{b % 20 + 1}号楼") for b in range(-(-rows // per_building))
    ]
    data = bench.make_sheet(rows, buildings)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unzipped = sum(m.file_size for m in archive.infolist())
        worst = max(m.file_size / max(m.compress_size, 1) for m in archive.infolist())
    print(
        f"{rows:,} rows: {len(data) / 2**20:.1f} MiB on disk, {unzipped / 2**20:.1f} MiB"
        f" unzipped; highest member ratio {worst:.1f} to 1"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=250, help="the cell's XML size")
    parser.add_argument("--case", choices=sorted(CASES), help="run one case (in this process)")
    parser.add_argument("--measure", action="store_true", help="size of a 100,000-row file")
    parser.add_argument("--rows", type=int, default=100_000, help="rows for --measure")
    args = parser.parse_args()
    if args.measure:
        measure(args.rows)
    elif args.case:
        run_case(args.case, args.megabytes)
    else:
        print("| case      | cell    | file      | CPU s  | peak MiB | outcome |")
        print("|-----------|---------|-----------|--------|----------|---------|")
        for case in CASES:
            subprocess.run(
                [sys.executable, __file__, "--case", case, "--megabytes", str(args.megabytes)],
                check=True,
            )


if __name__ == "__main__":
    main()
