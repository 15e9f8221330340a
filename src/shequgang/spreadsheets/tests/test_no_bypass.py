"""No spreadsheet leaves the platform except through ``shequgang.spreadsheets``: a module
anywhere else in src/ that imports openpyxl (or another spreadsheet library), writes csv,
or names a spreadsheet content type fails this test. Tests are exempt (they build hostile
uploads and read exports back)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import shequgang

SRC = Path(shequgang.__file__).resolve().parent
WRITER = SRC / "spreadsheets"
LIBRARIES = {"openpyxl", "xlsxwriter", "xlwt", "pandas", "tablib", "pyexcel", "odf"}
CSV_WRITERS = {"writer", "DictWriter"}
CONTENT_TYPES = ("text/csv", "spreadsheetml.sheet", "ms-excel", "opendocument.spreadsheet")


def bypasses(source: str) -> list[str]:
    """What in ``source`` writes a spreadsheet without the shared writer."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in LIBRARIES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in LIBRARIES:
                found.append(f"from {node.module} import …")
            elif root == "csv" and any(a.name in CSV_WRITERS for a in node.names):
                found.append("from csv import writer")
        elif isinstance(node, ast.Attribute):
            if node.attr in CSV_WRITERS and isinstance(node.value, ast.Name):
                if node.value.id == "csv":
                    found.append(f"csv.{node.attr}")
            elif node.attr in {"to_csv", "to_excel"}:
                found.append(f".{node.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{t!r} content type" for t in CONTENT_TYPES if t in node.value]
    return found


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if not path.is_relative_to(WRITER)
        and "tests" not in path.relative_to(SRC).parts
        and path.name not in {"conftest.py", "testing.py"}
        and "migrations" not in path.relative_to(SRC).parts
    ]


def test_no_module_outside_the_writer_writes_a_spreadsheet() -> None:
    offenders = {
        str(path.relative_to(SRC)): found
        for path in _modules()
        if (found := bypasses(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}, "write spreadsheets through shequgang.spreadsheets: " + repr(offenders)


def test_the_scan_covers_the_exporting_apps() -> None:
    scanned = {str(p.relative_to(SRC)) for p in _modules()}
    assert {"people/exporting.py", "points/exporting.py", "veterans/roster.py"} <= scanned


@pytest.mark.parametrize(
    "source",
    [
        "from openpyxl import Workbook",
        "import openpyxl",
        "from openpyxl.worksheet._write_only import WriteOnlyWorksheet",
        "def f():\n    from openpyxl import Workbook",
        "import xlsxwriter",
        "import csv\nw = csv.writer(out)",
        "import csv\nw = csv.DictWriter(out, ['a'])",
        "from csv import DictWriter",
        "frame.to_csv(out)",
        "HttpResponse(data, content_type='text/csv')",
        "T = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'",
    ],
)
def test_the_scan_sees_each_way_round(source: str) -> None:
    assert bypasses(source)


@pytest.mark.parametrize(
    "source",
    [
        "from shequgang.spreadsheets.xlsx import XlsxBook",
        "import csv\nrows = csv.reader(f)",
        "writer = object()\nwriter.append(1)",
    ],
)
def test_the_scan_lets_the_writer_and_csv_reading_through(source: str) -> None:
    assert bypasses(source) == []
