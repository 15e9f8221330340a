"""Overrides are cached per process: a write through the services is seen at once, one
made by another process within RECHECK_SECONDS; every write leaves an audit row."""

import datetime as dt

import pytest

from shequgang.audit.models import AuditEntry
from shequgang.calendar import workdays
from shequgang.calendar.models import CalendarOverride
from shequgang.calendar.services import calendar_override_delete, calendar_override_set
from shequgang.calendar.workdays import is_workday
from shequgang.errors import DomainError

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2027, 3, 8)  # a plain Monday under the law


def test_a_write_by_another_process_is_seen_after_the_recheck_interval(monkeypatch):
    assert is_workday(MONDAY)  # overrides read and cached
    # when another process adds an override (straight to the table, bypassing our cache)
    CalendarOverride.objects.create(date=MONDAY, is_workday=False, name="临时放假")
    # then this process still answers from its cache until the interval has passed
    assert is_workday(MONDAY)
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0.0)
    assert not is_workday(MONDAY)


def test_deleting_an_override_restores_the_calendar_and_is_audited(world):
    override = calendar_override_set(
        actor=world.admin, date=MONDAY, is_workday=False, name="临时放假"
    )
    assert not is_workday(MONDAY)
    calendar_override_delete(actor=world.admin, override=override)
    assert is_workday(MONDAY)
    actions = list(
        AuditEntry.objects.filter(object_type="calendar.calendaroverride")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [
        ("calendar_override.save", world.admin.pk),
        ("calendar_override.delete", world.admin.pk),
    ]


def test_an_override_needs_a_name():
    with pytest.raises(DomainError) as exc:
        calendar_override_set(actor=None, date=MONDAY, is_workday=False, name="  ")
    assert exc.value.code == "name_required"
    assert not CalendarOverride.objects.exists()
