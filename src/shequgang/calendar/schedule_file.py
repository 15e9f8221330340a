"""The text format of a year's holiday schedule, and its parser (no database).

One entry per line; blank lines and lines starting with ``#`` are ignored::

    # 国务院办公厅关于2027年部分节假日安排的通知（示例）
    year 2027
    source 国办发明电〔2026〕X号
    holiday 2027-01-01 2027-01-03 元旦
    holiday 2027-04-05 清明节
    workday 2027-02-14 春节调休上班

- ``year YYYY`` — exactly once; every date in the file must lie in that year;
- ``source TEXT`` — optional, at most once: the notice's number, kept as the year's 依据;
- ``holiday FIRST [LAST] NAME`` — days off, one date or an inclusive range (a range may
  include the weekend inside the holiday, as the notices list it);
- ``workday DATE NAME`` — a weekend day worked (调休上班).

Dates are ``YYYY-MM-DD``; a date may appear once in the file. The parser reports every bad
line (its number and why, in Chinese) rather than stopping at the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NAME_MAX = 50  # CalendarOverride.name
SOURCE_MAX = 200  # CalendarYear.source
RANGE_MAX_DAYS = 15  # longer than any holiday block; catches a mistyped month


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    is_workday: bool
    name: str
    line: int


@dataclass(frozen=True)
class Schedule:
    year: int
    source: str
    days: tuple[ScheduleDay, ...]


class ScheduleFileError(Exception):
    """The file is not a valid schedule: ``errors`` holds "第N行：why" messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_schedule(text: str) -> Schedule:
    """The schedule in ``text``, or ``ScheduleFileError`` listing every bad line."""
    errors: list[str] = []
    year: int | None = None
    source = ""
    entries: list[ScheduleDay] = []
    seen: dict[dt.date, int] = {}

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        rest = rest.strip()

        def bad(why: str, number: int = number) -> None:
            errors.append(f"第{number}行：{why}")

        if keyword == "year":
            if year is not None:
                bad("year 只能写一次")
            elif not (rest.isdigit() and 2000 <= int(rest) <= 2100):
                bad(f"年份“{rest}”无效，应为2000至2100之间的四位数")
            else:
                year = int(rest)
        elif keyword == "source":
            if source:
                bad("source 只能写一次")
            elif not rest or len(rest) > SOURCE_MAX:
                bad(f"依据不能为空，且不超过{SOURCE_MAX}字")
            else:
                source = rest
        elif keyword in ("holiday", "workday"):
            parts = rest.split(maxsplit=1)
            first = _date(parts[0]) if parts else None
            if first is None:
                bad(f"{keyword} 后应是日期（如2027-01-01）")
                continue
            last = first
            name = parts[1] if len(parts) > 1 else ""
            if keyword == "holiday":
                head, _, tail = name.partition(" ")
                if (end := _date(head)) is not None:
                    last, name = end, tail.strip()
            name = name.strip()
            if not name:
                bad("缺少名称（如“元旦”“春节调休上班”）")
            elif len(name) > NAME_MAX:
                bad(f"名称超过{NAME_MAX}字")
            elif last < first:
                bad(f"结束日期{last}早于开始日期{first}")
            elif (last - first).days >= RANGE_MAX_DAYS:
                bad(f"放假区间超过{RANGE_MAX_DAYS}天，请检查日期")
            else:
                day = first
                while day <= last:
                    if day in seen:
                        bad(f"{day}已在第{seen[day]}行出现")
                    else:
                        seen[day] = number
                        entries.append(ScheduleDay(day, keyword == "workday", name, number))
                    day += dt.timedelta(days=1)
        else:
            bad(f"无法识别“{keyword}”，每行应以 year、source、holiday 或 workday 开头")

    if year is None:
        errors.insert(0, "文件中缺少“year 年份”一行")
    else:
        for entry in entries:
            if entry.date.year != year:
                errors.append(f"第{entry.line}行：{entry.date}不在{year}年内")
    if not entries and not errors:
        errors.append("文件中没有 holiday 或 workday 行")
    if errors or year is None:
        raise ScheduleFileError(sorted(errors, key=_line_number))
    return Schedule(year=year, source=source, days=tuple(sorted(entries, key=lambda e: e.date)))


def _line_number(message: str) -> int:
    # "第12行：…" sorts by 12; a message about the whole file comes first.
    head = message.partition("行")[0].removeprefix("第")
    return int(head) if head.isdigit() else 0
