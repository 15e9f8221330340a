"""The dispatch loop by pages: the community hands a grid report up, the command centre
dispatches it from its 待派遣 queue, the department signs, transfers, reports; the grid
worker verifies (fail, then pass); the raiser rates it closed. The case page offers only
the allowed steps; out-of-scope pages are 404; the measures page shows each count."""

import pytest
from django.urls import reverse

from shequgang.cases.models import Case, Source

from .conftest import jpeg_with_gps

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def act(case, action):
    return reverse("cases:case_act", args=[case.pk, action])


def as_(client, world, name):
    client.force_login(world.users[name])
    return client


def offered(client, case):
    page = client.get(detail(case))
    assert page.status_code == 200
    return {a for a, *_ in page.context["actions"]}


def step(client, case, action, data=None, status=None):
    response = client.post(act(case, action), data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    if status is not None:
        assert case.status == status
    return case


@pytest.fixture
def reported(world, raise_case):
    return raise_case(
        "street_light",
        place=world.household_a1,
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
        title="小区门口路灯不亮",
    )


def test_the_closed_loop_by_pages(client, world, depts, reported):
    case = reported
    as_(client, world, "worker_a")
    assert "request_dispatch" in offered(client, case)
    step(client, case, "request_dispatch", {"reason": "需城管处置"}, "to_dispatch")

    as_(client, world, "county_a_command")
    queue = client.get(reverse("cases:dispatch_queue"))
    assert queue.status_code == 200 and case.number in queue.content.decode()
    page = client.get(detail(case)).content.decode()
    assert "（派遣路由）" in page and "汾阳市城市管理局" not in page
    assert reverse("cases:dispatch_queue") in page  # the nav link of the command centre
    step(client, case, "dispatch", {"department": depts.cgj.pk, "reason": "请修复"}, "submitted")
    assert case.handler_department == depts.cgj

    as_(client, world, "dept_handler")
    actions = offered(client, case)
    assert {"acknowledge", "return", "transfer"} <= actions and "resolve" not in actions
    assert "退单" in client.get(detail(case)).content.decode()
    step(client, case, "acknowledge", status="acknowledged")
    response = client.post(act(case, "transfer"), {"to": f"d:{depts.zjj.pk}", "reason": "归住建"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:queue")
    assert client.get(detail(case)).status_code == 404

    as_(client, world, "zjj_handler")
    step(client, case, "acknowledge", status="acknowledged")
    assert "report" in offered(client, case) and "resolve" not in offered(client, case)
    step(client, case, "report", {"result": "已更换灯泡", "photos": [jpeg_with_gps()]}, "verifying")

    as_(client, world, "grid_a1")
    queue = client.get(reverse("cases:queue")).content.decode()
    assert case.number in queue
    assert offered(client, case) >= {"verify"}
    step(
        client,
        case,
        "verify",
        {"passed": "0", "reason": "仍不亮", "photos": [jpeg_with_gps()]},
        "in_progress",
    )
    as_(client, world, "zjj_handler")
    step(client, case, "report", {"result": "更换线路"}, "verifying")
    as_(client, world, "grid_a1")
    step(client, case, "verify", {"passed": "1", "photos": [jpeg_with_gps()]}, "resolved")
    step(client, case, "rate", {"solved": "1", "satisfaction": "satisfied"}, "closed")

    kinds = list(case.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == [
        "created",
        "assigned",
        "dispatch_requested",
        "dispatched",
        "acknowledged",
        "transferred",
        "acknowledged",
        "reported",
        "verify_failed",
        "reported",
        "verified",
        "closed",
    ]
    page = client.get(detail(case)).content.decode()
    assert "核查照片" in page and "核查通过" in page


def test_a_refused_step_changes_nothing_and_says_why(client, world, depts, reported):
    as_(client, world, "worker_a")
    step(client, reported, "dispatch", {"department": depts.cgj.pk}, "submitted")
    # The grid worker cannot verify a case not yet reported back: the form is not
    # offered, and a hand-made POST is refused by the transition table.
    as_(client, world, "grid_a1")
    assert "verify" not in offered(client, reported)
    before = reported.events.count()
    response = client.post(
        act(reported, "verify"), {"passed": "1", "photos": [jpeg_with_gps()]}, **HTMX
    )
    assert response.status_code == 409 and "不能核查" in response.content.decode()
    assert reported.events.count() == before
    # A department returning without a reason: 400 with the message.
    as_(client, world, "dept_handler")
    response = client.post(act(reported, "return"), {"reason": ""}, **HTMX)
    assert response.status_code == 400 and "退单理由" in response.content.decode()
    # 退单 with a reason: back in the community's queue (it dispatched it).
    response = client.post(act(reported, "return"), {"reason": "非城管职责"})
    assert response.status_code == 302
    as_(client, world, "worker_a")
    assert reported.number in client.get(reverse("cases:dispatch_queue")).content.decode()
    assert reported.number in client.get(reverse("cases:queue")).content.decode()


def test_out_of_scope_pages_are_404(client, world, depts, reported, raise_case):
    other = raise_case("street_light", place=world.household_a2)
    as_(client, world, "worker_a")
    step(client, reported, "dispatch", {"department": depts.cgj.pk})
    step(client, other, "dispatch", {"department": depts.zjj.pk})
    for name, hidden, seen in (
        ("dept_handler", other, reported),
        ("zjj_handler", reported, other),
        ("grid_a2", reported, other),
        ("grid_a1", other, reported),
    ):
        as_(client, world, name)
        assert client.get(detail(hidden)).status_code == 404
        assert client.post(act(hidden, "acknowledge")).status_code == 404
        assert client.get(detail(seen)).status_code == 200
        listing = client.get(
            reverse("cases:queue") if "handler" in name else reverse("cases:case_list")
        )
        assert hidden.number not in listing.content.decode()


def test_the_measures_page_shows_each_figure_with_its_counts(client, world, depts, reported):
    as_(client, world, "worker_a")
    step(client, reported, "dispatch", {"department": depts.cgj.pk})
    as_(client, world, "dept_handler")
    step(client, reported, "acknowledge")
    as_(client, world, "county_a_command")
    page = client.get(reverse("cases:dispatch_measures"), {"place": world.county_a.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert "离石区城市管理局" in body and '100% <small class="muted">(1/1)</small>' in body
    # Another county's place, and a department handler: 404.
    assert (
        client.get(reverse("cases:dispatch_measures"), {"place": world.county_b.pk}).status_code
        == 404
    )
    as_(client, world, "dept_handler")
    assert client.get(reverse("cases:dispatch_measures")).status_code == 404
    assert Case.objects.get(pk=reported.pk).status == "acknowledged"
