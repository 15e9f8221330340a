"""The party pages: coverage, organisation tree, masked member list, pairings and a
member's own record, each scoped like the API."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.test import Client

from shequgang.party.models import Member, MemberReport, UnitPairing
from shequgang.party.reporting import responsibility_assign
from shequgang.party.tests.conftest import Party
from shequgang.people.id_numbers import make_id_number


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_county_lands_on_its_coverage(party: Party) -> None:
    client = _client(party.world.users["county_a_command"])
    response = client.get("/party/", follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "离石区 · 党组织覆盖" in text and "25.0%" in text
    assert client.get(f"/party/coverage/{party.world.county_b.pk}/").status_code == 404


def test_the_org_tree_of_a_community(party: Party) -> None:
    client = _client(party.world.users["secretary_a"])
    response = client.get(f"/party/communities/{party.world.community_a.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "城东社区党委" in text and "滨东花园党支部" in text and "1号楼党小组" in text
    assert "东关小区" in text  # listed among the compounds without a branch
    other = _client(party.world.users["secretary_b"])
    assert other.get(f"/party/communities/{party.world.community_a.pk}/").status_code == 404


def test_the_member_list_is_masked_and_registers_members(party: Party) -> None:
    world = party.world
    client = _client(world.users["secretary_a"])
    url = f"/party/members/?community={world.community_a.pk}"
    text = client.get(url).content.decode()
    assert "李在职" in text and party.member.id_number_masked in text
    number = make_id_number("141102", dt.date(1990, 1, 2), 5)
    assert number not in text
    response = client.post(
        url, {"name": "页面登记", "status": "retired", "id_number": number.lower(), "phone": ""}
    )
    assert response.status_code == 302
    again = client.post(url, {"name": "重复", "status": "retired", "id_number": number})
    assert again.status_code == 400 and "已登记" in again.content.decode()
    assert Member.objects.filter(name__in=["页面登记", "重复"]).count() == 1
    # Viewing is not registering.
    county = _client(world.users["county_a_command"])
    assert county.post(url, {"name": "x", "status": "retired"}).status_code == 404


def test_pairings_page(party: Party) -> None:
    world = party.world
    client = _client(world.users["worker_a"])
    url = f"/party/pairings/?community={world.community_a.pk}"
    response = client.post(
        url,
        {"unit": party.unit.pk, "started_on": "2026-01-05", "contact_phone": "13811112222"},
    )
    assert response.status_code == 302
    text = client.get(url).content.decode()
    assert "离石区税务局" in text and "138****2222" in text and "13811112222" not in text
    assert UnitPairing.objects.count() == 1
    assert (
        "离石区税务局"
        not in _client(world.users["secretary_b"]).get("/party/pairings/").content.decode()
    )


def test_a_member_reports_on_their_own_page(party: Party) -> None:
    world = party.world
    client = _client(party.member_user)
    assert "我的党建" in client.get("/party/me/").content.decode()
    response = client.post("/party/me/", {"community": world.community_a.pk})
    assert response.status_code == 302
    response = client.post("/party/me/", {"community": world.community_b.pk})
    assert response.status_code == 302
    text = client.get("/party/me/").content.decode()
    assert "有效" in text and "迁至建昌社区" in text
    assert MemberReport.objects.filter(member=party.member, ended_at__isnull=True).count() == 1


def test_a_member_sees_their_responsibility_cases(party: Party) -> None:
    from shequgang.cases.models import Category, Source
    from shequgang.cases.services import case_create

    world = party.world
    responsibility_assign(
        actor=world.admin,
        place=world.building_a1,
        member=party.member,
        started_on=dt.date(2026, 1, 1),
    )
    category = Category.objects.get(code="stairwell_light")
    for place, title in [(world.household_a1, "本楼灯坏"), (world.household_a2, "别楼灯坏")]:
        case_create(
            actor=world.users["nobody"],
            source=Source.RESIDENT,
            category=category,
            place=place,
            title=title,
        )
    text = _client(party.member_user).get("/party/me/").content.decode()
    assert "本楼灯坏" in text and "别楼灯坏" not in text


def test_someone_without_a_record_gets_404(party: Party) -> None:
    assert _client(party.world.users["nobody"]).get("/party/me/").status_code == 404


def test_the_member_search_answers_htmx_with_the_rows_only(party: Party) -> None:
    client = _client(party.world.users["secretary_a"])
    response = client.get("/party/members/?q=李", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="member-rows">') and "李在职" in text
    assert "<html" not in text
