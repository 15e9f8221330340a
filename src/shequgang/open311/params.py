"""Reading GeoReport v2 parameters: W3C datetimes, coordinates, comma lists, paging.
Each reader returns a clean value or raises ``Open311Error`` (a 400 in the spec's error
list), so no input reaches the database unchecked."""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Mapping

from django.conf import settings

from shequgang.errors import DomainError

SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# The W3C note's profiles of ISO 8601: a date, or a date and time with a zone designator.
_W3C_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_W3C_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$"
)


class Open311Error(DomainError):
    """A GeoReport error: ``status`` is the HTTP status, ``code`` a stable English code."""


def bad(code: str, message: str) -> Open311Error:
    return Open311Error(code, message, status=400)


def text(data: Mapping[str, str], name: str) -> str:
    """A parameter's value, stripped; an empty value counts as absent (the spec's
    "Optional Arguments")."""
    return (data.get(name) or "").strip()


def w3c_datetime(value: str, *, name: str) -> dt.datetime | None:
    """A W3C datetime (``2026-11-29T08:00:00+08:00``, ``…Z``) or date (``2026-11-29``,
    taken as midnight in Beijing time). A time without a zone is refused: the spec
    requires one."""
    if not value:
        return None
    try:
        moment = None
        if _W3C_DATETIME.match(value):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif match := _W3C_DATE.match(value):
            year, month, day = (int(g) if g else 1 for g in match.groups())
            moment = dt.datetime(year, month, day, tzinfo=SHANGHAI)
        if moment is not None:
            moment.astimezone(dt.UTC)  # the database compares in UTC: year 1 − 14 h is not
            return moment
    except (ValueError, OverflowError):
        pass  # e.g. month 13: well-formed but not a date
    raise bad(
        f"invalid_{name}", f"{name} 不是带时区的 W3C 日期时间（如 2026-11-29T08:00:00+08:00）"
    )


def coordinate(value: str, *, name: str, limit: float) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise bad(f"invalid_{name}", f"{name} 不是数字") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise bad(f"invalid_{name}", f"{name} 超出范围（±{limit:g}）")
    return number


def comma_list(value: str, *, limit: int = 1000, name: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > limit:
        raise bad(f"too_many_{name}", f"{name} 最多 {limit} 个")
    return list(dict.fromkeys(items))


def positive_int(value: str, *, name: str, default: int, maximum: int) -> int:
    """A positive integer no larger than ``maximum`` (larger values are clamped, so a
    client asking for a huge page gets the largest page we serve)."""
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise bad(f"invalid_{name}", f"{name} 应为正整数")
    number = int(value)
    if number < 1:
        raise bad(f"invalid_{name}", f"{name} 应为正整数")
    return min(number, maximum)


def shift(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``moment + delta``, stopping at the ends of the calendar instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        if delta > dt.timedelta(0):
            return dt.datetime.max.replace(tzinfo=dt.UTC)
        return dt.datetime.min.replace(tzinfo=dt.UTC)
