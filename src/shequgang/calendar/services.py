"""Writes to the calendar: overrides and the per-year "schedule entered" mark. The admin and
any script call these; each writes an audit row in the same transaction and makes this
process forget its cached overrides (other processes notice within
``workdays.RECHECK_SECONDS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields, snapshot
from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.schedule_file import ScheduleFileError, parse_schedule
from shequgang.calendar.workdays import calendar_cache_clear
from shequgang.errors import DomainError

_OVERRIDE_FIELDS = ["date", "is_workday", "name", "note"]
_YEAR_FIELDS = ["year", "schedule_entered", "source"]


def _forget_cached_overrides() -> None:
    # Now, so the rest of this transaction sees the change; and after commit, in case
    # another thread of this process re-read the old rows in between.
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)


@transaction.atomic
def calendar_override_save(*, actor: Actor, override: CalendarOverride) -> CalendarOverride:
    """Save a new or edited override (the admin passes its form's instance). Writes a
    ``calendar_override.save`` audit row with the changed fields. Raises DomainError if
    the name is empty or another override already holds the date."""
    override.name = override.name.strip()
    if not override.name:
        raise DomainError("name_required", "名称不能为空")
    clash = CalendarOverride.objects.filter(date=override.date).exclude(pk=override.pk)
    if clash.exists():
        raise DomainError("date_taken", f"{override.date:%Y-%m-%d}已有日历调整，请直接修改")
    before = (
        CalendarOverride.objects.filter(pk=override.pk).values(*_OVERRIDE_FIELDS).first()
        if override.pk
        else None
    )
    override.save()
    audit_record(
        actor=actor,
        action="calendar_override.save",
        obj=override,
        changes=diff_fields(before or {}, snapshot(override, _OVERRIDE_FIELDS)),
    )
    _forget_cached_overrides()
    return override


def calendar_override_set(
    *, actor: Actor, date: dt.date, is_workday: bool, name: str, note: str = ""
) -> CalendarOverride:
    """Create or replace the override of ``date`` (see ``calendar_override_save``)."""
    override = CalendarOverride.objects.filter(date=date).first() or CalendarOverride(date=date)
    override.is_workday = is_workday
    override.name = name
    override.note = note
    return calendar_override_save(actor=actor, override=override)


@transaction.atomic
def calendar_override_delete(*, actor: Actor, override: CalendarOverride) -> None:
    """Remove an override: the date goes back to the statutory calendar (or Mon–Fri).
    Writes a ``calendar_override.delete`` audit row with what was removed."""
    audit_record(
        actor=actor,
        action="calendar_override.delete",
        obj=override,
        changes={f: [getattr(override, f), None] for f in _OVERRIDE_FIELDS},
    )
    override.delete()
    _forget_cached_overrides()


@transaction.atomic
def calendar_year_save(*, actor: Actor, calendar_year: CalendarYear) -> CalendarYear:
    """Save a year's mark (the admin passes its form's instance). Writes a
    ``calendar_year.save`` audit row. Raises DomainError for a year outside 2000–2100."""
    if not 2000 <= calendar_year.year <= 2100:
        raise DomainError("invalid_year", "年份应在2000至2100之间")
    before = (
        CalendarYear.objects.filter(pk=calendar_year.pk).values(*_YEAR_FIELDS).first()
        if calendar_year.pk
        else None
    )
    calendar_year.save()
    audit_record(
        actor=actor,
        action="calendar_year.save",
        obj=calendar_year,
        changes=diff_fields(before or {}, snapshot(calendar_year, _YEAR_FIELDS)),
    )
    return calendar_year


def calendar_year_mark_entered(
    *, actor: Actor, year: int, entered: bool = True, source: str = ""
) -> CalendarYear:
    """Record that ``year``'s official schedule has (or has not) been entered as overrides;
    an entered year no longer raises the "not yet entered" warning."""
    calendar_year = CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)
    calendar_year.schedule_entered = entered
    if source:
        calendar_year.source = source
    return calendar_year_save(actor=actor, calendar_year=calendar_year)


@dataclass(frozen=True)
class ScheduleImport:
    """What ``calendar_schedule_import`` did."""

    year: int
    created: int  # dates that had no override
    changed: int  # overrides replaced (status or name differed)
    unchanged: int  # already as the file says: a repeated import changes nothing
    kept: int  # other overrides of the year, not in the file, left as they were


@transaction.atomic
def calendar_schedule_import(*, actor: Actor, text: str) -> ScheduleImport:
    """Enter a year's official schedule from the text of a schedule file (format in
    ``schedule_file``): every listed date becomes an override (holiday or 调休上班), the year
    is marked entered with the file's ``source``, and the cache is cleared.

    All or nothing: the whole file is checked before anything is written, and a bad file
    raises ``DomainError("schedule_invalid")`` whose message names every bad line; nothing
    changes. Idempotent: a date already overridden as the file says is left alone (no audit
    row), so importing the same file twice changes nothing the second time. Other overrides
    of the year (a local extra day off) are kept. Each created or changed day writes its
    ``calendar_override.save`` row, the mark its ``calendar_year.save`` row, and the import
    a ``calendar_year.import`` row last."""
    try:
        schedule = parse_schedule(text)
    except ScheduleFileError as exc:
        raise DomainError(
            "schedule_invalid", "安排文件有误，未导入：" + "；".join(exc.errors)
        ) from exc

    existing = {
        o.date: o
        for o in CalendarOverride.objects.select_for_update().filter(date__year=schedule.year)
    }
    created = changed = unchanged = 0
    for day in schedule.days:
        override = existing.pop(day.date, None)
        if override is None:
            override = CalendarOverride(date=day.date)
            created += 1
        elif override.is_workday == day.is_workday and override.name == day.name:
            unchanged += 1
            continue
        else:
            changed += 1
        override.is_workday = day.is_workday
        override.name = day.name
        override.note = schedule.source
        calendar_override_save(actor=actor, override=override)

    calendar_year = CalendarYear.objects.filter(year=schedule.year).first()
    if (
        calendar_year is None
        or not calendar_year.schedule_entered
        or (schedule.source and calendar_year.source != schedule.source)
    ):
        calendar_year = calendar_year_mark_entered(
            actor=actor, year=schedule.year, source=schedule.source
        )
    result = ScheduleImport(
        year=schedule.year,
        created=created,
        changed=changed,
        unchanged=unchanged,
        kept=len(existing),
    )
    audit_record(
        actor=actor,
        action="calendar_year.import",
        obj=calendar_year,
        changes={
            "created": [None, created],
            "changed": [None, changed],
            "unchanged": [None, unchanged],
            "source": [None, schedule.source],
        },
    )
    _forget_cached_overrides()
    return result
