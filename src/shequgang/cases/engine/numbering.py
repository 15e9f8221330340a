"""Case numbers people can read out on the phone: county code, date, sequence
(``141102-20261129-0042``). The counter row for a county and day is locked while a number
is taken, so concurrent creations never share one."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import IntegrityError, connection, transaction

from shequgang.cases.models import CaseNumberCounter

_SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _take(county_code: str, day: dt.date) -> int | None:
    """Add one to the counter row and read it back, in one statement (``UPDATE …
    RETURNING``, SQLite ≥ 3.35 and PostgreSQL); None when the row does not exist yet.
    The row stays locked until the transaction ends."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "last" = "last" + 1'
            ' WHERE "county_code" = %s AND "day" = %s RETURNING "last"',
            [county_code, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def counter_day(at: dt.datetime) -> dt.date:
    """The counter's day of a moment: its date in Asia/Shanghai."""
    return at.astimezone(_SHANGHAI).date()


def number_prefix(county_code: str, day: dt.date) -> str:
    """``<county>-<yyyymmdd>-``: a number is this and the day's sequence, at least four
    digits (``{:04d}``)."""
    return f"{county_code}-{day:%Y%m%d}-"


def next_case_number(*, county_code: str, at: dt.datetime) -> str:
    """Must run inside the creating transaction, so a rolled-back case frees nothing
    twice and a committed one keeps its number."""
    day = counter_day(at)
    last = _take(county_code, day)
    if last is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(county_code=county_code, day=day, last=1)
            last = 1
        except IntegrityError:
            # Another transaction created today's row first; take the next number from it.
            last = _take(county_code, day)
            assert last is not None
    return f"{number_prefix(county_code, day)}{last:04d}"
