"""召集议事 on the case page: shown to those who may convene a deliberation on the open
case (the compound's branch secretary, the community above it), hidden from those who may
not (a grid worker, the raiser, the other community) and once the case is closed; the
link leads to the planning page, which plans through the deliberation service."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shequgang.cases.models import Case, Status
from shequgang.cases.models.deliberation import Deliberation

BUTTON = "召集议事</a>"


def page_for(user, case):
    client = Client()
    client.force_login(user)
    return client, client.get(f"/cases/{case.pk}/").content.decode()


@pytest.fixture
def case(world, raise_case):
    return raise_case("parking", place=world.household_a2, title="小区停车位不足")


@pytest.mark.parametrize("persona", ["branch_a", "secretary_a"])
def test_those_who_may_convene_see_the_button(world, case, persona):
    _, html = page_for(world.users[persona], case)
    assert f'href="/deliberations/new/?case={case.pk}">{BUTTON}' in html


@pytest.mark.parametrize("persona", ["grid_a2", "nobody"])
def test_those_who_may_not_do_not(world, case, persona):
    _, html = page_for(world.users[persona], case)
    assert "<h1>小区停车位不足</h1>" in html  # they see the case (the raiser too) …
    assert BUTTON not in html  # … but not the button


def test_a_closed_case_has_no_button(world, case):
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    _, html = page_for(world.users["branch_a"], case)
    assert BUTTON not in html


def test_the_button_leads_to_planning_a_meeting(world, case):
    # Given the branch secretary on the case page
    client, html = page_for(world.users["branch_a"], case)
    assert BUTTON in html
    # When they follow 召集议事 and plan the meeting
    form = client.get(f"/deliberations/new/?case={case.pk}")
    when = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        f"/deliberations/new/?case={case.pk}",
        {"rung": "3", "title": "停车位议事", "scheduled_at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    # Then the meeting is planned on the case
    assert form.status_code == 200 and response.status_code == 302
    d = Deliberation.objects.get()
    assert list(d.cases.values_list("pk", flat=True)) == [case.pk]


def test_the_empty_list_points_to_the_case_page(world):
    client = Client()
    client.force_login(world.users["branch_a"])
    html = client.get("/deliberations/").content.decode()
    assert "暂无议事" in html and 'href="/cases/queue/"' in html
