"""Resident ID numbers (居民身份证号码, GB 11643-1999): 6-digit area code, 8-digit birth
date, 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.

Unknown area codes are accepted: codes are retired and re-issued, and a person keeps the
number they were given."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from shequgang.errors import DomainError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
# Nobody registered today was born before this.
_EARLIEST_BIRTH = dt.date(1890, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str) -> str:
    """Full-width digits and letters (１４１１…Ｘ, common from Chinese input methods) become
    ASCII; spaces go; x becomes X."""
    return unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and decode an 18-character ID number. Raises DomainError with code
    ``id_number_format``, ``id_number_birth_date`` or ``id_number_checksum``."""
    value = normalize_id_number(raw)
    if not _SHAPE.match(value):
        raise DomainError("id_number_format", "身份证号码应为18位（前17位为数字，末位为数字或X）")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise DomainError("id_number_birth_date", "身份证号码中的出生日期无效") from None
    today = today or dt.datetime.now(dt.UTC).date()
    if birth < _EARLIEST_BIRTH or birth > today:
        raise DomainError("id_number_birth_date", "身份证号码中的出生日期无效")
    if check_character(value[:17]) != value[17]:
        raise DomainError("id_number_checksum", "身份证号码校验位不正确")
    return IdNumber(value=value, birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def make_id_number(area: str, birth: dt.date, sequence: int) -> str:
    """A valid number for synthetic data (demo city, tests, benchmarks)."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
