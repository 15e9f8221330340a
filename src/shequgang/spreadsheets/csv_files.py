"""Writing .csv files, under the same rules as ``xlsx``: text that would run as a formula
gets its quote (a .csv has no cell types, so this is the only defence there), numbers are
written as numbers (``-5`` is a number, not text to quote), dates in ISO form, aware
datetimes in local time.

The file is UTF-8 with a byte-order mark, which is how Excel on a Chinese Windows knows
it is not GBK, and CRLF line ends (RFC 4180)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils import timezone

from shequgang.spreadsheets.cells import neutralise

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _field(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_bytes(*, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A .csv of ``headers`` then ``rows``, every field made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_field(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
