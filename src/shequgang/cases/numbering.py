"""Case numbers people can read out on the phone: county code, date, sequence
(``141102-20261129-0042``). The counter row for a county and day is locked while a number
is taken, so concurrent creations never share one."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import F

from shequgang.cases.models import CaseNumberCounter

_SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def next_case_number(*, county_code: str, at: dt.datetime) -> str:
    """Must run inside the creating transaction, so a rolled-back case frees nothing
    twice and a committed one keeps its number."""
    day = at.astimezone(_SHANGHAI).date()
    updated = CaseNumberCounter.objects.filter(county_code=county_code, day=day).update(
        last=F("last") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(county_code=county_code, day=day, last=1)
        except IntegrityError:
            # Another transaction created today's row first; take the next number from it.
            CaseNumberCounter.objects.filter(county_code=county_code, day=day).update(
                last=F("last") + 1
            )
    last = CaseNumberCounter.objects.get(county_code=county_code, day=day).last
    return f"{county_code}-{day:%Y%m%d}-{last:04d}"
