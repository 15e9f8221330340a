"""Deliberation pages: planning from a case, the meeting page for the branch and for a
stranger (404), the actions posted by the page's forms, and the owners' vote page showing
the result with each ratio against its threshold (green met, red not)."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from shequgang.cases.deliberation.owners_vote import (
    owners_ballot_record,
    owners_vote_close,
    owners_vote_open,
)
from shequgang.cases.models import EventKind
from shequgang.cases.models.deliberation import Deliberation, OwnerBallot

from .deliberation_world import add_households, plan_meeting


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def today_at(hour):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def case(world, raise_case):
    return raise_case("parking", place=world.household_a2, title="小区停车位不足")


@pytest.fixture
def meeting(world, case):
    return plan_meeting(
        world, [case.pk], now=timezone.now(), scheduled_at=today_at(12), invitee_names=["张大爷"]
    )


def test_the_branch_plans_a_meeting_from_the_case(world, case):
    client = browser(world.users["branch_a"])
    form = client.get(f"/deliberations/new/?case={case.pk}")
    assert form.status_code == 200 and "小区党支部（组织议） · 滨东花园小区" in form.text

    response = client.post(
        f"/deliberations/new/?case={case.pk}",
        {
            "rung": "3",
            "title": "停车位议事",
            "scheduled_at": today_at(19).strftime("%Y-%m-%dT%H:%M"),
            "location": "党群服务站",
            "invitee_names": "张大爷\n李阿姨",
        },
    )

    d = Deliberation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deliberations/{d.pk}/"
    assert [a.name for a in d.attendees.all()] == ["张大爷", "李阿姨"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and "停车位议事" in page.text and case.number in page.text


def test_a_planning_form_error_is_shown_not_raised(world, case):
    client = browser(world.users["branch_a"])
    response = client.post(
        f"/deliberations/new/?case={case.pk}",
        {"rung": "3", "title": "过去的会", "scheduled_at": "2020-01-01T10:00"},
    )
    assert response.status_code == 400 and "会议时间不能早于今天" in response.text
    assert not Deliberation.objects.exists()


def test_strangers_get_404_everywhere(world, meeting, case):
    client = browser(world.users["secretary_b"])
    for url in (
        f"/deliberations/{meeting.pk}/",
        f"/deliberations/{meeting.pk}/owners-vote/",
        f"/deliberations/new/?case={case.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/deliberations/{meeting.pk}/act/hold/").status_code == 404
    assert "停车位" not in client.get("/deliberations/").text


def test_the_meeting_page_runs_the_meeting(world, meeting, case):
    client = browser(world.users["branch_a"])
    act = f"/deliberations/{meeting.pk}/act"
    zhang = meeting.attendees.get()

    client.post(f"{act}/add_option/", {"text": "同意增划"})
    client.post(f"{act}/sign_in/", {"attendee": zhang.pk})
    client.post(f"{act}/hold/")
    option = meeting.options.get()
    client.post(f"{act}/hand_vote/", {"attendee": zhang.pk, "option": option.pk})
    client.post(f"{act}/decide/", {"decision": "北侧增划车位"})
    response = client.post(
        f"{act}/add_follow_up/", {"text": "联系物业", "assignee": "grid_a2", "due_on": ""}
    )

    assert response.status_code == 302
    page = client.get(f"/deliberations/{meeting.pk}/")
    assert "签到1人，表决1人：同意增划1票" in page.text
    assert "北侧增划车位" in page.text and "联系物业" in page.text
    assert case.events.filter(kind=EventKind.TASK).count() == 1


def test_a_refused_action_is_a_message_not_an_error_page(world, meeting):
    client = browser(world.users["branch_a"])
    response = client.post(
        f"/deliberations/{meeting.pk}/act/decide/", {"decision": "未开会就决定"}, follow=True
    )
    assert response.status_code == 200
    assert "议事当前为“已安排”，不能记录议定事项" in response.text
    unknown = client.post(f"/deliberations/{meeting.pk}/act/explode/")
    assert unknown.status_code == 404


def test_the_vote_page_shows_each_ratio_against_its_threshold(world, meeting):
    branch = world.users["branch_a"]
    extra = add_households(world, ["100.00"] * 8)
    vote = owners_vote_open(actor=branch, deliberation=meeting, matter_type=7)
    roll = {e.household_id: e for e in vote.roll.all()}
    households = [world.household_a1, world.household_a2, *extra]
    for h, choice in zip(households, ["for"] * 6 + ["against"] * 2 + ["abstain"], strict=False):
        owners_ballot_record(
            actor=branch, deliberation=meeting, entry_id=roll[h.pk].pk, choice=choice
        )
    owners_vote_close(actor=branch, deliberation=meeting)

    page = browser(branch).get(f"/deliberations/{meeting.pk}/owners-vote/").text

    assert "表决未通过" in page
    rows = dict(re.findall(r'<tr class="check-(\w+)">(.*?)</tr>', page, re.S))
    assert set(rows) == {"quorum_area", "quorum_owners", "approval_area", "approval_owners"}
    assert (
        "909.50 / 1009.50 ㎡" in rows["quorum_area"] and "90.10%" in rows["quorum_area"]
    )  # 90.094…, met: rounded up
    assert "≥ 2/3（三分之二以上）" in rows["quorum_area"] and 'class="met"' in rows["quorum_area"]
    assert "6 / 9 人" in rows["approval_owners"] and "66.66%" in rows["approval_owners"]
    assert "≥ 3/4（四分之三以上）" in rows["approval_owners"]
    assert 'class="unmet"' in rows["approval_owners"] and "✗ 未达到" in rows["approval_owners"]
    assert "1号楼 1单元 101" in page and "居民a1" in page  # the roll, for the branch
    detail = browser(branch).get(f"/deliberations/{meeting.pk}/").text
    assert 'class="check-approval_area"' in detail


def test_an_invitee_sees_the_result_but_not_the_roll(world, meeting):
    branch, nobody = world.users["branch_a"], world.users["nobody"]
    from shequgang.cases.deliberation.services import deliberation_invite

    deliberation_invite(actor=branch, deliberation=meeting, invitee_ids=[nobody.pk])
    vote = owners_vote_open(actor=branch, deliberation=meeting, matter_type=4)
    owners_ballot_record(
        actor=branch,
        deliberation=meeting,
        entry_id=vote.roll.get(household=world.household_a1).pk,
        choice="for",
    )
    owners_vote_close(actor=branch, deliberation=meeting)

    page = browser(nobody).get(f"/deliberations/{meeting.pk}/owners-vote/").text

    assert "check-quorum_area" in page and "居民a1" not in page


def test_ballots_through_htmx_swap_the_vote_section(world, meeting):
    branch = world.users["branch_a"]
    client = browser(branch)
    url = f"/deliberations/{meeting.pk}/owners-vote"
    opened = client.post(f"{url}/open/", {"matter_type": "4"})
    assert opened.status_code == 302
    entry = Deliberation.objects.get(pk=meeting.pk).owners_vote.roll.get(
        household=world.household_a1
    )

    first = client.post(
        f"{url}/ballot/", {"entry": entry.pk, "choice": "for"}, HTTP_HX_REQUEST="true"
    )
    second = client.post(
        f"{url}/ballot/", {"entry": entry.pk, "choice": "against"}, HTTP_HX_REQUEST="true"
    )

    assert first.status_code == 200 and "已登记选票" in first.text
    assert first.text.lstrip().startswith('<div id="owners-vote"')
    assert second.status_code == 409 and 'data-code="duplicate_ballot"' in second.text
    assert OwnerBallot.objects.count() == 1


def test_opening_without_areas_lists_the_households(world, meeting):
    add_households(world, [None])
    client = browser(world.users["branch_a"])
    response = client.post(
        f"/deliberations/{meeting.pk}/owners-vote/open/", {"matter_type": "4"}, follow=True
    )
    assert "以下户未登记专有面积" in response.text and "2号楼 301" in response.text
