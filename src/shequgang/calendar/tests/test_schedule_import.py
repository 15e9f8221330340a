"""Importing a year's schedule file: all or nothing, idempotent, audited; the year is then
marked entered and its days apply at once. The same service behind the command and the
admin page."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from shequgang.audit.models import AuditEntry
from shequgang.calendar.models import CalendarOverride, CalendarYear
from shequgang.calendar.schedule_file import parse_schedule
from shequgang.calendar.services import calendar_override_set, calendar_schedule_import
from shequgang.calendar.workdays import is_workday, uncovered_years, working_days_after
from shequgang.errors import DomainError

from .conftest import at, end_of

pytestmark = pytest.mark.django_db

D = dt.date

# Not the State Council's schedule (not published when this was written): a made-up one.
GOOD = """\
# 测试用安排（虚构）
year 2027
source 测试通知
holiday 2027-02-05 2027-02-11 春节
workday 2027-02-20 春节调休上班
holiday 2027-10-01 2027-10-07 国庆节
workday 2027-10-09 国庆节调休上班
"""

EXAMPLE = Path(__file__).resolve().parents[1] / "schedules" / "format-example.txt"


def test_a_good_file_enters_the_year():
    result = calendar_schedule_import(actor=None, text=GOOD)
    assert (result.year, result.created, result.changed, result.unchanged) == (2027, 16, 0, 0)
    assert not is_workday(D(2027, 2, 11))  # a law working day made a holiday
    assert is_workday(D(2027, 2, 20))  # a Saturday made a working day
    assert working_days_after(at(2027, 2, 19, 10, 0), 1) == end_of(2027, 2, 20)
    year = CalendarYear.objects.get(year=2027)
    assert (year.schedule_entered, year.source) == (True, "测试通知")
    assert uncovered_years([2027]) == []
    assert CalendarOverride.objects.get(date=D(2027, 10, 9)).name == "国庆节调休上班"
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("calendar_override.save") == 16
    assert actions[-2:] == ["calendar_year.save", "calendar_year.import"]


def test_a_bad_line_writes_nothing_and_names_the_line():
    calendar_override_set(actor=None, date=D(2027, 3, 8), is_workday=False, name="临时放假")
    bad = GOOD.replace("workday 2027-10-09", "workday 2027-10-32")
    audit_before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        calendar_schedule_import(actor=None, text=bad)
    assert exc.value.code == "schedule_invalid"
    assert "第7行" in exc.value.message
    assert list(CalendarOverride.objects.values_list("date", flat=True)) == [D(2027, 3, 8)]
    assert not CalendarYear.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert is_workday(D(2027, 2, 11))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year 2027\nholiday 2028-01-01 元旦\n", "第2行：2028-01-01不在2027年内"),
        ("holiday 2027-01-01 元旦\n", "缺少“year 年份”"),
        ("year 2027\nyear 2027\nholiday 2027-01-01 元旦\n", "第2行：year 只能写一次"),
        ("year 2027\nholiday 2027-01-01\n", "第2行：缺少名称"),
        ("year 2027\nholiday 2027-01-03 2027-01-01 元旦\n", "第2行：结束日期"),
        (
            "year 2027\nholiday 2027-01-01 元旦\nworkday 2027-01-01 上班\n",
            "第3行：2027-01-01已在第2行",
        ),
        ("year 2027\nholyday 2027-01-01 元旦\n", "第2行：无法识别“holyday”"),
        ("year 2027\n# 只有注释\n", "没有 holiday 或 workday"),
        ("year 27\nholiday 2027-01-01 元旦\n", "第1行：年份“27”无效"),
    ],
)
def test_each_kind_of_bad_file_is_refused_with_its_reason(text, expected):
    with pytest.raises(DomainError) as exc:
        calendar_schedule_import(actor=None, text=text)
    assert expected in exc.value.message
    assert not CalendarOverride.objects.exists()


def test_every_bad_line_is_reported_at_once():
    text = "year 2027\nholiday 2027-13-01 元旦\nworkday 2027-02-20\nholiday 2026-10-01 国庆\n"
    with pytest.raises(DomainError) as exc:
        calendar_schedule_import(actor=None, text=text)
    message = exc.value.message
    assert message.index("第2行") < message.index("第3行") < message.index("第4行")


def test_importing_the_same_file_again_changes_nothing():
    calendar_schedule_import(actor=None, text=GOOD)
    rows_before = list(CalendarOverride.objects.values_list("date", "is_workday", "name"))
    saves_before = AuditEntry.objects.filter(action="calendar_override.save").count()
    result = calendar_schedule_import(actor=None, text=GOOD)
    assert (result.created, result.changed, result.unchanged) == (0, 0, 16)
    assert list(CalendarOverride.objects.values_list("date", "is_workday", "name")) == rows_before
    assert AuditEntry.objects.filter(action="calendar_override.save").count() == saves_before


def test_a_corrected_file_replaces_the_days_it_lists_and_keeps_local_ones():
    calendar_override_set(actor=None, date=D(2027, 3, 8), is_workday=False, name="临时放假")
    calendar_schedule_import(actor=None, text=GOOD)
    corrected = GOOD.replace("workday 2027-02-20 春节调休上班", "holiday 2027-02-20 春节")
    result = calendar_schedule_import(actor=None, text=corrected)
    assert (result.created, result.changed, result.kept) == (0, 1, 1)
    assert not is_workday(D(2027, 2, 20))
    assert not is_workday(D(2027, 3, 8))


def test_the_example_file_parses_and_says_it_is_not_official():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "格式示例" in text.splitlines()[0] and "不是官方安排" in text.splitlines()[0]
    schedule = parse_schedule(text)
    assert schedule.year == 2027
    assert "非官方" in schedule.source


def test_the_command_imports_a_file_and_refuses_a_bad_one(tmp_path, capsys):
    good = tmp_path / "2027.txt"
    good.write_text(GOOD, encoding="utf-8")
    call_command("calendar_import", str(good))
    assert "2027年安排已导入：新增16天" in capsys.readouterr().out
    assert CalendarYear.objects.get(year=2027).schedule_entered
    bad = tmp_path / "bad.txt"
    bad.write_text("year 2027\nholiday 2027-05-01 2027-05-05\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        call_command("calendar_import", str(bad))


# --- The admin page ---------------------------------------------------------------------

IMPORT_URL = "admin:calendar_calendaryear_import"


def upload(text: str, name: str = "2027.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def test_the_admin_page_imports_a_file(client, world):
    client.force_login(world.admin)
    listing = client.get(reverse("admin:calendar_calendaryear_changelist"))
    assert reverse(IMPORT_URL) in listing.content.decode()
    assert client.get(reverse(IMPORT_URL)).status_code == 200
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD)})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).schedule_entered
    assert AuditEntry.objects.filter(action="calendar_year.import", actor=world.admin.pk).exists()


def test_the_admin_page_shows_the_bad_line_and_writes_nothing(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse(IMPORT_URL), {"file": upload("year 2027\nholiday 2027-02-30 春节\n")}
    )
    assert response.status_code == 200
    assert "第2行" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_the_admin_page_refuses_a_file_that_is_not_utf8(client, world):
    client.force_login(world.admin)
    data = SimpleUploadedFile("x.txt", "year 2027".encode("gbk") + b"\xff\xfe\xfa")
    response = client.post(reverse(IMPORT_URL), {"file": data})
    assert response.status_code == 200
    assert "UTF-8" in response.content.decode()


def test_the_admin_page_is_for_staff_with_the_calendar_permissions(client, world):
    clerk = User.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.post(reverse(IMPORT_URL), {"file": upload(GOOD)}).status_code == 403
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="calendar",
            codename__in=["change_calendaryear", "change_calendaroverride", "add_calendaroverride"],
        )
    )
    clerk = User.objects.get(pk=clerk.pk)  # permissions are cached on the instance
    client.force_login(clerk)
    assert client.get(reverse(IMPORT_URL)).status_code == 200
    resident = User.objects.create_user("resident", password="x")
    client.force_login(resident)
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not CalendarOverride.objects.exists()
