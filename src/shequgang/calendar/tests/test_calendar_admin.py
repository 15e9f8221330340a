"""The calendar admin: it warns about an uncovered year on its list pages, and its saves and
deletes go through the services (cache cleared at once, audit row written)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from shequgang.audit.models import AuditEntry
from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.services import calendar_override_set, calendar_year_mark_entered
from shequgang.calendar.workdays import is_workday, uncovered_years

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_in_november_2026(client, world, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 11, 29, 15, 0))
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize("model", ["calendaroverride", "calendaryear"])
def test_the_admin_lists_warn_about_an_uncovered_year(admin_client_in_november_2026, model):
    response = admin_client_in_november_2026.get(reverse(f"admin:calendar_{model}_changelist"))
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("2027年的国务院放假安排尚未录入") for m in shown)
    assert "缺少调休上班日" in response.content.decode()


def test_the_admin_warning_disappears_once_the_year_is_marked_entered(
    admin_client_in_november_2026,
):
    calendar_year_mark_entered(actor=None, year=2027)
    response = admin_client_in_november_2026.get(
        reverse("admin:calendar_calendaroverride_changelist")
    )
    assert response.status_code == 200
    assert "尚未录入" not in response.content.decode()


def test_the_admin_saves_through_the_service(admin_client_in_november_2026):
    response = admin_client_in_november_2026.post(
        reverse("admin:calendar_calendaryear_add"),
        {"year": "2027", "schedule_entered": "on", "source": "国办发明电"},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).schedule_entered
    assert uncovered_years([2027]) == []


def test_an_override_added_and_removed_in_the_admin_applies_at_once(
    admin_client_in_november_2026, world
):
    monday = dt.date(2027, 3, 8)
    assert is_workday(monday)  # cached before the admin writes
    response = admin_client_in_november_2026.post(
        reverse("admin:calendar_calendaroverride_add"),
        {"date": "2027-03-08", "name": "临时放假", "note": ""},  # is_workday unticked
    )
    assert response.status_code == 302
    assert not is_workday(monday)
    override = CalendarOverride.objects.get(date=monday)
    response = admin_client_in_november_2026.post(
        reverse("admin:calendar_calendaroverride_delete", args=[override.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert is_workday(monday)
    audit = AuditEntry.objects.filter(
        object_type="calendar.calendaroverride", object_id=str(override.pk)
    ).order_by("id")
    assert list(audit.values_list("action", "actor")) == [
        ("calendar_override.save", world.admin.pk),
        ("calendar_override.delete", world.admin.pk),
    ]


def test_the_admin_refuses_a_second_override_for_a_date(admin_client_in_november_2026):
    calendar_override_set(actor=None, date=dt.date(2027, 2, 8), is_workday=False, name="春节")
    response = admin_client_in_november_2026.post(
        reverse("admin:calendar_calendaroverride_add"),
        {"date": "2027-02-08", "is_workday": "on", "name": "重复"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert CalendarOverride.objects.get().name == "春节"
