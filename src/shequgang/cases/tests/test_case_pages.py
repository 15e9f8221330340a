"""The case pages: a resident raises a case on the phone form and follows it; handlers
see their queue, open a case in scope (404 outside it), and act through the small htmx
forms, which offer only what the user may do — and the services refuse the rest."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.models import Case, CaseEvent, Category, Notification, Rung, Status
from shequgang.cases.services.notifications import deliver_due, notifications_mark_all_read

from .conftest import jpeg_with_gps

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def act(case, action):
    return reverse("cases:case_act", args=[case.pk, action])


def snapshot(case):
    case.refresh_from_db()
    return (case.status, case.rung, case.handler_place_id, case.supervised_at, case.events.count())


def chain(place):
    """The picker's values down to ``place`` (county first), as the browser sends them."""
    from shequgang.places.selectors import place_ancestors

    return [str(p.pk) for p in place_ancestors(place=place) if p.kind != "city"]


def raise_via_page(client, world, **overrides):
    data = {
        "place": chain(world.household_a1),
        "category": Category.objects.get(code="stairwell_light").pk,
        "title": "1单元楼道灯不亮",
        "description": "三楼到五楼的灯都不亮，晚上看不见台阶",
        "phone": "13900000009",
        "photos": [jpeg_with_gps()],
    }
    data.update(overrides)
    return client.post(reverse("cases:case_new"), data)


# --- Resident pages --------------------------------------------------------------------------


def test_a_resident_raises_a_case_with_a_photo_and_follows_it(client, world):
    # Given a signed-in resident on the raise form
    client.force_login(world.users["nobody"])
    page = client.get(reverse("cases:case_new"))
    assert page.status_code == 200
    assert "place__q" in page.content.decode() and 'name="photos"' in page.content.decode()
    # When they submit it with a photo
    response = raise_via_page(client, world)
    # Then the case exists, routed to the party group, with the cleaned photo
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert (case.raiser, case.place, case.rung) == (
        world.users["nobody"],
        world.household_a1,
        Rung.PARTY_GROUP,
    )
    assert case.raiser_phone_masked.endswith("0009") and case.photos.count() == 1
    # And it is listed under 我的事项, and its page shows the progress and the photo
    mine = client.get(reverse("cases:my_cases")).content.decode()
    assert "1单元楼道灯不亮" in mine and case.number in mine
    page = client.get(detail(case)).content.decode()
    assert "办理进度" in page and "提交" in page and "分派" in page
    photo_url = reverse("cases:case_photo", args=[case.pk, case.photos.get().pk])
    assert photo_url in page
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_the_raise_form_searches_places_instead_of_a_chain_of_selects(client, world):
    client.force_login(world.users["nobody"])
    page = client.get(reverse("cases:case_new")).content.decode()
    assert '<select name="place"' not in page and 'name="place__q"' in page
    # Typing part of the compound's name and the household's finds the household
    found = client.get(
        reverse("people:place_search"),
        {"name": "place", "perm": "case.raise", "kinds": "household", "place__q": "滨东 101"},
        **HTMX,
    ).content.decode()
    assert f'value="{world.household_a1.pk}"' in found and "<html" not in found


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"place": []}, "请选择到小区、楼栋或户"),
        ({"place": "community"}, "请选择到小区、楼栋或户"),
        # The same words as the API's title_required / title_too_long (text_rules).
        ({"title": "  "}, "请填写标题"),
        ({"title": "x" * 101}, "标题不能超过100个字"),
        ({"phone": "123"}, ""),
        ({"photos": "text"}, "文件不是有效的图片"),
    ],
)
def test_a_bad_raise_form_creates_nothing_and_says_why(client, world, overrides, message):
    import io

    client.force_login(world.users["nobody"])
    if overrides.get("place") == "community":
        overrides["place"] = chain(world.community_a)
    if overrides.get("photos") == "text":
        text = io.BytesIO(b"not a picture")
        text.name = "x.jpg"
        overrides["photos"] = [text]
    response = raise_via_page(client, world, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()
    # What was typed stays in the form.
    if "title" not in overrides:
        assert "1单元楼道灯不亮" in response.content.decode()


def test_rating_a_resolved_case_closes_it(client, world, raise_case):
    # Given a case the party group resolved
    resident = world.users["nobody"]
    case = raise_case(actor=resident)
    s.case_acknowledge(actor=world.users["group_a1"], case=case)
    s.case_resolve(actor=world.users["group_a1"], case=case, resolution="已更换灯泡")
    client.force_login(resident)
    page = client.get(detail(case)).content.decode()
    assert act(case, "rate") in page and "已更换灯泡" in page
    # When the resident rates it 满意
    response = client.post(
        act(case, "rate"), {"solved": "1", "satisfaction": "satisfied", "comment": "很快"}
    )
    # Then it is closed, and the page says so
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.rating_comment) == (
        Status.CLOSED,
        "satisfied",
        "很快",
    )
    page = client.get(detail(case)).content.decode()
    assert "已结案" in page and act(case, "rate") not in page


def test_the_raiser_sees_progress_but_not_internal_notes(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    s.case_comment(actor=world.users["group_a1"], case=case, text="内部备注：电工周三来")
    client.force_login(world.users["nobody"])
    page = client.get(detail(case)).content.decode()
    assert "内部备注" not in page and "group_a1" not in page
    client.force_login(world.users["group_a1"])
    assert "内部备注" in client.get(detail(case)).content.decode()


# --- Handler pages ---------------------------------------------------------------------------


def test_the_holder_sees_it_in_the_queue_and_others_out_of_scope_get_404(client, world):
    client.force_login(world.users["nobody"])
    raise_via_page(client, world)
    case = Case.objects.get()
    photo_url = reverse("cases:case_photo", args=[case.pk, case.photos.get().pk])
    # The party-group leader of building 1 holds it
    client.force_login(world.users["group_a1"])
    queue = client.get(reverse("cases:queue")).content.decode()
    assert "1单元楼道灯不亮" in queue and detail(case) in queue
    assert client.get(detail(case)).status_code == 200
    # The other grid's worker and the other community's secretary cannot even see it
    for persona in ("grid_a2", "secretary_b"):
        client.force_login(world.users[persona])
        assert client.get(detail(case)).status_code == 404, persona
        assert client.get(photo_url).status_code == 404, persona
        assert client.post(act(case, "acknowledge")).status_code == 404, persona
        assert "1单元楼道灯不亮" not in client.get(reverse("cases:case_list")).content.decode()
    assert snapshot(case)[0] == Status.SUBMITTED


def test_only_allowed_actions_are_offered_and_others_are_refused(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    # The holder is offered handling, not supervision
    client.force_login(world.users["group_a1"])
    page = client.get(detail(case)).content.decode()
    for offered in ("acknowledge", "escalate", "return", "comment"):
        assert act(case, offered) in page, offered
    for hidden in ("supervise", "resolve", "merge", "rate", "hold"):
        assert act(case, hidden) not in page, hidden
    # The community secretary is offered supervision, not handling
    client.force_login(world.users["secretary_a"])
    page = client.get(detail(case)).content.decode()
    assert act(case, "supervise") in page and act(case, "acknowledge") not in page
    # Posting a hidden action anyway: the service's message, and nothing changes
    before = snapshot(case)
    client.force_login(world.users["group_a1"])
    refused = client.post(act(case, "supervise"), {"reason": "快点"}, **HTMX)
    assert refused.status_code == 403
    assert "只有上级可以执行此操作" in refused.content.decode()
    wrong_state = client.post(act(case, "resolve"), {"resolution": "好了"}, **HTMX)
    assert wrong_state.status_code == 409
    assert "不能办结" in wrong_state.content.decode()
    assert snapshot(case) == before
    assert client.post(act(case, "launch")).status_code == 404


def test_an_htmx_action_returns_the_detail_partial_alone(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    client.force_login(world.users["group_a1"])
    response = client.post(act(case, "acknowledge"), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="case-detail"' in body and "已签收" in body
    assert Case.objects.get(pk=case.pk).status == Status.ACKNOWLEDGED
    # Now resolving is offered, acknowledging is not
    assert act(case, "resolve") in body and act(case, "acknowledge") not in body
    # Without htmx the same post redirects back to the page
    plain = client.post(act(case, "start"))
    assert plain.status_code == 302 and plain["Location"] == detail(case)


def test_escalating_with_a_reason_moves_it_to_the_branch_queue(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    client.force_login(world.users["group_a1"])
    missing = client.post(act(case, "escalate"), {"reason": "  "}, **HTMX)
    assert missing.status_code == 400 and "请填写提级理由" in missing.content.decode()
    client.post(act(case, "escalate"), {"reason": "涉及全小区线路"}, **HTMX)
    case.refresh_from_db()
    assert (case.rung, case.handler_place) == (Rung.BRANCH, world.compound_a)
    # The leader still sees it (their building's scope) but no longer holds it
    assert client.get(detail(case)).status_code == 200
    assert case.number not in client.get(reverse("cases:queue")).content.decode()
    client.force_login(world.users["branch_a"])
    assert case.number in client.get(reverse("cases:queue")).content.decode()


def test_resolve_with_a_photo_and_transfer_to_the_next_building(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"])
    client.force_login(world.users["group_a1"])
    page = client.get(detail(case)).content.decode()
    assert f'value="p:{world.building_a2.pk}"' in page  # the sibling building is offered
    client.post(act(case, "acknowledge"))
    response = client.post(
        act(case, "resolve"), {"resolution": "更换了感应灯", "photos": [jpeg_with_gps()]}, **HTMX
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.photos.filter(purpose="resolution").count() == 1
    other = world.users["nobody"]
    second = s.case_create(
        actor=other,
        source="resident",
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="报错楼了",
    )
    client.post(act(second, "transfer"), {"to": f"p:{world.building_a2.pk}", "reason": "是2号楼"})
    second.refresh_from_db()
    assert second.handler_place == world.building_a2


def test_supervisor_merges_a_duplicate_by_number(client, world, raise_case):
    first = raise_case("street_light", actor=world.users["nobody"])
    dup = raise_case("street_light", actor=world.users["nobody"])
    client.force_login(world.users["secretary_a"])
    unknown = client.post(act(dup, "merge"), {"into": "141102-19990101-0001"}, **HTMX)
    assert unknown.status_code == 404 and "事项不存在或无权访问" in unknown.content.decode()
    client.post(act(dup, "merge"), {"into": first.number, "reason": "同一路灯"})
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into) == (Status.MERGED, first)


def test_an_anonymous_raiser_is_hidden_below_the_community(client, world, raise_case):
    case = raise_case(actor=world.users["nobody"], anonymous=True, raiser_name="张三")
    client.force_login(world.users["group_a1"])
    page = client.get(detail(case)).content.decode()
    assert "张三" not in page and "匿名" in page
    assert "nobody" not in page  # nor as the one who raised it, on the timeline
    client.force_login(world.users["secretary_a"])
    assert "张三" in client.get(detail(case)).content.decode()


def _rows(body):
    return re.findall(r'href="/cases/(\d+)/"', body)


def _next_cursor(body):
    found = re.search(r'hx-get="/cases/queue/\?([^"]+)"', body)
    return parse_qs(html.unescape(found.group(1)))["cursor"][0] if found else None


def test_the_queue_pages_by_keyset_overdue_first(client, world, raise_case, settings):
    import datetime as dt

    from django.utils import timezone

    settings.PAGE_SIZE = 2
    cases = [raise_case(title=f"第{i}件") for i in range(5)]
    late = cases[3]
    Case.objects.filter(pk=late.pk).update(resolve_due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(world.users["group_a1"])
    first = client.get(reverse("cases:queue")).content.decode()
    assert _rows(first)[0] == str(late.pk) and "已超期" in first
    seen = _rows(first)
    cursor = _next_cursor(first)
    while cursor:
        more = client.get(reverse("cases:queue"), {"cursor": cursor}, **HTMX)
        body = more.content.decode()
        assert "<html" not in body and 'id="case-list"' not in body  # only the rows
        seen += _rows(body)
        cursor = _next_cursor(body)
    assert sorted(seen, key=int) == sorted(str(c.pk) for c in cases)
    # The filters narrow it; an htmx filter change gets the list alone
    overdue = client.get(reverse("cases:queue"), {"overdue": "on"}, **HTMX).content.decode()
    assert 'id="case-list"' in overdue and _rows(overdue) == [str(late.pk)]
    # A forged cursor starts again from the first page
    forged = client.get(reverse("cases:queue"), {"cursor": "abc"}).content.decode()
    assert "翻页参数无效" in forged and _rows(forged)[0] == str(late.pk)


def test_a_queue_page_costs_the_same_queries_however_many_rows(client, world, raise_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users["secretary_a"])

    def queries_for_the_page():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("cases:case_list"), **HTMX)
        assert page.status_code == 200
        return len(captured), page.content.decode()

    raise_case(place=world.household_a1)
    few, _ = queries_for_the_page()
    for _ in range(4):
        raise_case(place=world.household_a2)
    many, body = queries_for_the_page()
    # Each row names its place's parent (the building), read with the page.
    assert "2号楼 201" in body
    assert many == few


def test_the_scoped_list_shows_the_supervisors_subtree(client, world, raise_case):
    here = raise_case()
    there = raise_case(place=world.household_b, title="汾阳的事")
    client.force_login(world.users["secretary_a"])
    body = client.get(reverse("cases:case_list")).content.decode()
    assert detail(here) in body and detail(there) not in body
    client.force_login(world.users["nobody"])  # a resident has no scoped list
    assert client.get(reverse("cases:case_list"))["Location"] == reverse("cases:my_cases")


def test_inbox_shows_delivered_notifications_and_marks_them_read(client, world, raise_case):
    case = raise_case()
    deliver_due()
    note = Notification.objects.get(recipient=world.users["group_a1"], case=case)
    client.force_login(world.users["group_a1"])
    page = client.get(reverse("cases:inbox")).content.decode()
    assert "新事项待签收" in page and "1 条未读" in page
    # Someone else's notification is not theirs to mark
    client.force_login(world.users["grid_a2"])
    assert client.post(reverse("cases:inbox_read", args=[note.pk])).status_code == 404
    client.force_login(world.users["group_a1"])
    opened = client.post(reverse("cases:inbox_read", args=[note.pk]), {"open": "1"})
    assert opened["Location"] == detail(case)
    note.refresh_from_db()
    assert note.read_at is not None
    assert CaseEvent.objects.filter(case=case).count() == 2  # reading changes no case


def test_mark_all_read_marks_only_the_users_delivered_unread_notifications(
    client, world, raise_case
):
    case = raise_case()
    deliver_due()
    mine = Notification.objects.filter(recipient=world.users["group_a1"], case=case)
    earlier = mine.get()
    read_at = timezone.now() - dt.timedelta(days=1)
    pending = Notification.objects.create(
        recipient=world.users["group_a1"], case=case, title="未送达", deliver_after=timezone.now()
    )
    fresh = Notification.objects.create(
        recipient=world.users["group_a1"],
        case=case,
        title="新消息",
        deliver_after=timezone.now(),
        delivered_at=timezone.now(),
    )
    Notification.objects.filter(pk=earlier.pk).update(read_at=read_at)
    theirs = Notification.objects.create(
        recipient=world.users["grid_a2"],
        case=case,
        title="别人的",
        deliver_after=timezone.now(),
        delivered_at=timezone.now(),
    )
    client.force_login(world.users["group_a1"])
    assert client.post(reverse("cases:inbox_read_all"))["Location"] == reverse("cases:inbox")
    earlier.refresh_from_db()
    fresh.refresh_from_db()
    pending.refresh_from_db()
    assert earlier.read_at == read_at  # read before: keeps its time
    assert fresh.read_at is not None
    assert pending.read_at is None  # not delivered yet: not in the inbox
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's inbox
    assert notifications_mark_all_read(user=world.users["group_a1"]) == 0


@pytest.mark.parametrize("value", ["²", "x", "99999999999999999999", "-1"])
def test_a_garbage_place_in_the_picker_or_raise_form_is_no_500(client, world, value):
    # "²" passes str.isdigit() but int() refuses it.
    client.force_login(world.users["nobody"])

    search = {"name": "place", "place": value, "place__q": value}
    assert client.get(reverse("people:place_search"), search, **HTMX).status_code == 200
    assert client.get(reverse("cases:case_new"), {"place": value}).status_code == 200
    response = raise_via_page(client, world, place=[value])
    assert response.status_code == 400
    assert "请选择到小区、楼栋或户" in response.content.decode()
    assert not Case.objects.exists()
