"""The pages: a resident's mobile application, check and status lookup; the staff list,
detail, on-behalf form, corrections, withdrawal and roster download."""

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.audit.models import AuditEntry
from shequgang.veterans.models import Application, Status
from shequgang.veterans.services import application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, beijing, id_for


@pytest.fixture
def open_window(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: IN_WINDOW)


def form(data, **extra):
    fields = {
        "name": data.name,
        "id_number": data.id_number,
        "phone": data.phone,
        "certificate": data.certificate,
        "group": data.group,
        "registration_code": data.registration_code,
    }
    if data.consent:
        fields["consent"] = "on"
    return {**fields, **extra}


def test_home_leads_to_the_current_program(client, program, open_window):
    response = client.get("/veterans/")
    assert response.status_code == 302 and response["Location"] == "/veterans/2026/apply/"


def test_apply_page_shows_the_notice_and_the_form(client, program, open_window):
    page = client.get("/veterans/2026/apply/").content.decode()
    for text in (
        "1965年12月31日",
        "2026年5月1日0时至2026年7月31日24时",
        "60",
        "太平洋",
        "烈士遗属",
    ):
        assert text in page
    assert "其他地区（非吕梁籍）" in page
    assert client.get("/veterans/2031/apply/").status_code == 404


def test_resident_applies_on_the_page(client, program, open_window):
    data = applicant(name="刘桂兰")
    response = client.post("/veterans/2026/apply/", form(data))
    assert response.status_code == 202
    app = Application.objects.get()
    page = response.content.decode()
    assert app.reference in page and "刘**" in page
    assert data.id_number not in page
    # Submitting the same form again (a refresh) shows a receipt like the first, with
    # its own reference; the first application stands and no second one is written.
    again = client.post("/veterans/2026/apply/", form(data))
    assert again.status_code == 202 and "以首次受理的申报为准" in again.content.decode()
    assert app.reference not in again.content.decode()
    assert Application.objects.count() == 1


def test_ineligible_application_shows_every_reason(client, program, open_window):
    data = applicant(id_number=id_for(dt.date(1966, 1, 1)), registration_code="elsewhere")
    response = client.post("/veterans/2026/apply/", form(data))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-code="too_young"' in page
    assert "晚于1965年12月31日" in page and "户籍不在保障范围内" in page
    assert Application.objects.count() == 0


def test_check_button_returns_an_htmx_partial(client, program, open_window):
    response = client.post(
        "/veterans/2026/check/", form(applicant(certificate="")), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "须持有优待证" in page
    # Without htmx the whole page comes back with the explanation.
    full = client.post("/veterans/2026/check/", form(applicant())).content.decode()
    assert "<html" in full and "符合参保条件" in full
    assert Application.objects.count() == 0


def test_status_page(client, program):
    data = applicant()
    app = application_submit(actor=None, program=program, data=data, now=IN_WINDOW).application
    assert client.get("/veterans/status/").status_code == 200
    found = client.post(
        "/veterans/status/", {"reference": app.reference, "id_tail": data.id_number[-6:]}
    )
    assert found.status_code == 200 and "已受理" in found.content.decode()
    wrong = client.post("/veterans/status/", {"reference": app.reference, "id_tail": "000000"})
    assert wrong.status_code == 404 and "未找到申请" in wrong.content.decode()


# --- Staff --------------------------------------------------------------------------------


def make(program, code="141102"):
    return application_submit(
        actor=None, program=program, data=applicant(registration_code=code), now=IN_WINDOW
    ).application


def test_staff_pages_need_login(client, program):
    app = make(program)
    for url in (
        "/veterans/staff/2026/",
        f"/veterans/staff/applications/{app.reference}/",
        "/veterans/staff/2026/roster.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_list_shows_scope_counts_and_budget(client, program, world):
    lishi, fenyang = make(program, "141102"), make(program, "141182")
    client.force_login(world.users["county_a_command"])
    page = client.get("/veterans/staff/2026/").content.decode()
    assert lishi.reference in page and fenyang.reference not in page
    assert "已受理 <strong>1</strong> 人" in page and "60.00" in page
    assert "下载名单（脱敏）" in page and "下载承保名单" not in page
    client.force_login(world.users["city_admin"])
    page = client.get("/veterans/staff/2026/", {"county": "141182"}).content.decode()
    assert fenyang.reference in page and lishi.reference not in page
    assert "下载承保名单（完整身份证号）" in page


def test_staff_without_the_desk_get_404(client, program, world):
    client.force_login(world.users["grid_a1"])
    assert client.get("/veterans/staff/2026/").status_code == 404


def test_detail_is_404_outside_scope(client, program, world):
    app = make(program, "141102")
    client.force_login(world.users["secretary_b"])
    assert client.get(f"/veterans/staff/applications/{app.reference}/").status_code == 404
    response = client.post(
        f"/veterans/staff/applications/{app.reference}/withdraw/", {"reason": "x"}
    )
    assert response.status_code == 404
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED


def test_correct_and_withdraw_on_the_detail_page(client, program, world):
    app = make(program, "141102")
    client.force_login(world.users["county_a_command"])
    detail = f"/veterans/staff/applications/{app.reference}/"
    assert "更正信息" in client.get(detail).content.decode()
    bad = client.post(detail + "correct/", {"reason": "x", "registration_code": "141182"})
    assert bad.status_code == 400 and "管辖范围" in bad.content.decode()
    ok = client.post(detail + "correct/", {"reason": "错字", "name": "张建军"})
    assert ok.status_code == 302
    assert Application.objects.get(pk=app.pk).name == "张建军"
    done = client.post(detail + "withdraw/", {"reason": "本人放弃"})
    assert done.status_code == 302
    assert Application.objects.get(pk=app.pk).status == Status.WITHDRAWN
    page = client.get(detail).content.decode()
    assert "撤回申请</h2>" not in page and "本人放弃" in page


def test_staff_apply_on_behalf(client, program, world, open_window):
    client.force_login(world.users["worker_a"])
    assert client.get("/veterans/staff/2026/new/").status_code == 200
    data = applicant()
    response = client.post(
        "/veterans/staff/2026/new/", form(data, intake_place=world.community_a.pk)
    )
    assert response.status_code == 302
    app = Application.objects.get()
    assert response["Location"] == f"/veterans/staff/applications/{app.reference}/"
    assert app.submitted_by == world.users["worker_a"]
    # A community outside the worker's scope is not offered.
    other = client.post(
        "/veterans/staff/2026/new/", form(applicant(), intake_place=world.community_b.pk)
    )
    assert other.status_code == 200 and Application.objects.count() == 1
    assert "所选受理地点不存在或不在您的辖区" in other.content.decode()


def test_staff_intake_place_is_the_searchable_picker(client, program, world, open_window):
    client.force_login(world.users["worker_a"])
    page = client.get("/veterans/staff/2026/new/").content.decode()
    # The place picker, not a drop-down of every place
    assert 'name="intake_place__q"' in page and "hx-get=" in page
    assert '<select name="intake_place"' not in page


def test_staff_intake_place_works_without_javascript(client, program, world, open_window):
    # Given a worker whose browser runs no JavaScript: the search box is submitted with
    # the form, and no place
    client.force_login(world.users["worker_a"])
    typed = client.post("/veterans/staff/2026/new/", form(applicant(), intake_place__q="城东"))
    # Then nothing is written and the page comes back with the match ticked
    assert typed.status_code == 200 and not Application.objects.exists()
    html = typed.content.decode()
    assert "请选择受理地点" in html
    assert f'name="intake_place" value="{world.community_a.pk}" checked' in html
    assert 'value="城东"' in html
    # And another community's name finds nothing in this worker's scope
    other = client.post(
        "/veterans/staff/2026/new/", form(applicant(), intake_place__q=world.community_b.name)
    )
    assert "没有找到" in other.content.decode() and not Application.objects.exists()
    # When they submit again with the ticked place, the application is taken
    done = client.post(
        "/veterans/staff/2026/new/", form(applicant(), intake_place=world.community_a.pk)
    )
    assert done.status_code == 302 and Application.objects.get().intake_place == world.community_a


def test_roster_download_page(client, program, world):
    make(program)
    client.force_login(world.users["county_a_command"])
    masked = client.get("/veterans/staff/2026/roster.xlsx")
    assert masked.status_code == 200 and masked["Content-Type"].startswith("application/vnd")
    full = client.get("/veterans/staff/2026/roster.xlsx", {"full": "1"})
    assert full.status_code == 403 and "无权导出完整身份证号码" in full.content.decode()
    client.force_login(world.users["worker_a"])
    assert client.get("/veterans/staff/2026/roster.xlsx").status_code == 404


def test_nav_entry_only_for_the_enrolment_desk(rf, world):
    from django.template import Context, Template

    tmpl = Template("{% load veterans_nav %}{% veterans_nav %}")
    for persona, shown in [("county_a_command", True), ("worker_a", True), ("grid_a1", False)]:
        request = rf.get("/")
        request.user = world.users[persona]
        html = tmpl.render(Context({"request": request}))
        assert ("退役军人参保" in html) is shown, persona


def test_staff_home_redirects_to_the_current_program(client, program, world, open_window):
    client.force_login(world.users["county_a_command"])
    response = client.get("/veterans/staff/")
    assert response.status_code == 302 and response["Location"] == "/veterans/staff/2026/"
    client.force_login(world.users["grid_a1"])
    assert client.get("/veterans/staff/").status_code == 404


def test_the_full_roster_page_asks_for_the_password_again(client, program, world):
    # given the city administrator, who may export full ID numbers
    make(program)
    client.force_login(world.users["city_admin"])
    url = "/veterans/staff/2026/roster.xlsx"
    # when the full roster is asked without a password, or with a wrong one, it is refused
    assert client.get(url, {"full": "1"}).status_code == 403
    wrong = client.post(url, {"full": "1", "password": "wrong"})
    assert wrong.status_code == 403 and "登录密码" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="veterans.roster_export").count() == 0
    # with the right one it is downloaded, and audited as full
    full = client.post(url, {"full": "1", "password": "x"})
    assert full.status_code == 200 and full["Content-Type"].startswith("application/vnd")
    entry = AuditEntry.objects.get(action="veterans.roster_export")
    assert entry.changes["full"] == [None, True]


@pytest.mark.parametrize(
    ("instant", "state", "words"),
    [
        (beijing(2026, 4, 30, 23, 59), "not_open", "申报尚未开始"),
        (beijing(2026, 5, 1), "open", "正在申报"),
        (beijing(2026, 7, 31, 23, 59), "open", "正在申报"),
        (beijing(2026, 8, 1), "closed", "本年度申报已截止"),
    ],
)
def test_the_window_state_shows_before_any_field(
    client, program, monkeypatch, instant, state, words
):
    # Given the 2026 program (window 5月1日0时 to 7月31日24时, Beijing time)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    # When a resident opens the form
    page = client.get("/veterans/2026/apply/").content.decode()
    # Then the state comes first, and the form's fields only while it is open
    assert f'data-window="{state}"' in page and words in page
    assert ('name="id_number"' in page) is (state == "open")
    if state == "open":
        assert page.index("data-window") < page.index('name="id_number"')
