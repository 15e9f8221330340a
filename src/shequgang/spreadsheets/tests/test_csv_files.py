"""The .csv writer: the same quoting (a .csv has no types, so it is the only defence),
numbers written as numbers, UTF-8 with a BOM for Excel on Chinese Windows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from shequgang.spreadsheets.csv_files import csv_bytes
from shequgang.spreadsheets.testing import HOSTILE_FORMULA


def read(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    "text", [HOSTILE_FORMULA, "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "＝1", "＠x"]
)
def test_hostile_text_is_quoted(text: str) -> None:
    assert read(csv_bytes(headers=["备注"], rows=[[text]]))[1] == ["'" + text]


def test_numbers_dates_and_plain_text_are_written_as_they_are() -> None:
    at = dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC)
    row = [-5, Decimal("-2.50"), 1.5, True, None, dt.date(2026, 1, 2), at, "张三"]

    (_, line) = read(csv_bytes(headers=list("abcdefgh"), rows=[row]))

    assert line == ["-5", "-2.50", "1.5", "TRUE", "", "2026-01-02", "2026-12-07 09:30:00", "张三"]


def test_a_header_is_quoted_too_and_lines_end_in_crlf() -> None:
    content = csv_bytes(headers=["=x"], rows=[["a"]])
    assert content == "\ufeff'=x\r\na\r\n".encode()
