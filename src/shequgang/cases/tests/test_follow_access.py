"""Who may follow a case ("我也遇到了") and read it as a follower (issue #13, breach 1):
only where they could have raised it — their staff scope, or their own neighbourhood as
a resident — only a case of a category that is not private, and only its public part.
Missing, forbidden and private all answer the same 404, and nothing is written."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from shequgang.apikit.testing import api_client
from shequgang.cases import services as s
from shequgang.cases.access import access_case_to_follow
from shequgang.cases.models import Case, CaseEvent, CaseFollower, Category, Notification
from shequgang.cases.services.followers import case_follow
from shequgang.errors import NotFound
from shequgang.people.roles import Role
from shequgang.people.services import role_grant
from shequgang.testing import resident_at

MISSING = 99999999


def writes() -> tuple[int, int, int]:
    return (CaseFollower.objects.count(), CaseEvent.objects.count(), Notification.objects.count())


def not_found(client, case_id):
    """The me-too and the follower's read, as the API answers them."""
    joined = client.post(f"/cases/{case_id}/me-too")
    read = client.get(f"/cases/following/{case_id}")
    return (joined.status_code, joined.json()["code"], read.status_code, read.json()["code"])


@pytest.fixture
def central_b(world):
    """A 中心户 of the other county's compound: a resident with a post, unrelated to A."""
    user = User.objects.create_user("central_b", password="x")
    role_grant(actor=world.admin, user=user, role=Role.CENTRAL_HOUSEHOLD, place=world.household_b)
    return user


@pytest.fixture
def family_case(world, raise_case):
    """An anonymous 家庭矛盾 in household A1, raised by its resident."""
    return raise_case("family_dispute", anonymous=True, title="家里吵架，想请社区调解")


def test_out_of_scope_people_get_the_missing_case_404_and_nothing_is_written(
    world, raise_case, central_b
):
    # Given an open stairwell-light case in 城东 (county A)
    case = raise_case(title="1单元楼道灯不亮")
    before = writes()
    expected = not_found(api_client(world.users["secretary_b"]), MISSING)
    assert expected == (404, "not_found", 404, "not_found")
    # When the other county's secretary, an unrelated 中心户 and a resident with no home
    # in the compound try to join it and read it
    homeless = User.objects.create_user("homeless", password="x")
    for user in (world.users["secretary_b"], central_b, homeless):
        # Then each gets what a missing id gets, and nothing was written
        assert not_found(api_client(user), case.pk) == expected, user.username
    assert writes() == before
    assert not CaseFollower.objects.exists()


def test_a_private_case_cannot_be_followed_even_next_door(world, family_case, central_b):
    # Given an anonymous family dispute in household A1, and residents of the same
    # compound: the 中心户 of household A1 and a neighbour in building 2
    neighbour = resident_at("neighbour", world.household_a2)
    before = writes()
    for user in (world.users["central_a1"], neighbour, central_b, world.users["secretary_b"]):
        # Then none of them may join or read it: the category is private
        assert not_found(api_client(user), family_case.pk) == (404, "not_found", 404, "not_found")
    assert writes() == before
    # And the staff of the community do not see it suggested either (they read it in their
    # own case list), while the raiser still "already follows" it
    assert access_case_to_follow(family_case.raiser, family_case.pk) == family_case


def test_the_private_flag_is_data_with_defaults_for_disputes_and_family_matters(db):
    private = set(Category.objects.filter(private=True).values_list("code", flat=True))
    assert {"family_dispute", "neighbour_dispute", "noise", "social_assistance"} <= private
    assert not {"stairwell_light", "street_light", "lift"} & private
    assert all(c.private for c in Category.objects.filter(is_dispute=True))


def test_neighbours_and_staff_in_scope_may_follow(world, raise_case):
    # Given an open stairwell-light case in building 1 of 滨东花园小区
    case = raise_case()
    # When a resident of building 2 (same compound), the 中心户 of A1 and the grid worker of
    # building 1 join it
    joiners = [
        resident_at("neighbour", world.household_a2),
        world.users["central_a1"],
        world.users["grid_a1"],
    ]
    for user in joiners:
        assert api_client(user).post(f"/cases/{case.pk}/me-too").status_code == 201
    # Then each reads its public progress; the grid worker of building 2 may not (their
    # staff scope is their grid, and they have no home there)
    for user in joiners:
        assert api_client(user).get(f"/cases/following/{case.pk}").status_code == 200
    assert not_found(api_client(world.users["grid_a2"]), case.pk)[0] == 404


def test_a_follower_who_no_longer_qualifies_reads_nothing_more(world, raise_case):
    # Given two follower rows written before the fix: an out-of-scope account's, and a
    # neighbour's on a case whose category an admin then marks private
    case = raise_case()
    outsider = world.users["secretary_b"]
    neighbour = resident_at("neighbour", world.household_a2)
    CaseFollower.objects.create(
        case=case, user=outsider, reason="me_too", created_at=case.created_at
    )
    case_follow(actor=neighbour, case_id=case.pk)
    client = api_client(neighbour)
    assert client.get(f"/cases/following/{case.pk}").status_code == 200
    # Then the outsider reads nothing, in the API and in the pages
    api = api_client(outsider)
    assert api.get(f"/cases/following/{case.pk}").status_code == 404
    assert api.get("/cases/following").json()["items"] == []
    page = Client()
    page.force_login(outsider)
    assert page.get(reverse("duplicates:followed", args=[case.pk])).status_code == 404
    assert page.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    assert "楼道灯坏了" not in page.get(reverse("duplicates:following")).content.decode()
    # And once the category is private the neighbour loses it too
    Category.objects.filter(code="stairwell_light").update(private=True)
    assert client.get(f"/cases/following/{case.pk}").status_code == 404
    assert client.get("/cases/following").json()["items"] == []


def test_the_pages_answer_404_and_write_nothing(world, raise_case):
    case = raise_case()
    page = Client()
    page.force_login(world.users["secretary_b"])
    before = writes()
    assert page.post(reverse("duplicates:me_too", args=[case.pk])).status_code == 404
    assert page.get(reverse("duplicates:followed", args=[case.pk])).status_code == 404
    assert writes() == before


def test_a_follower_sees_the_public_part_only(world, raise_case):
    # Given a case with a named raiser and phone, a staff comment and an escalation reason
    case = raise_case(raiser_name="王大爷", raiser_phone="13912345678")
    secretary = world.users["secretary_a"]
    s.case_comment(actor=world.users["group_a1"], case=case, text="内部备注：王大爷家有矛盾")
    s.case_supervise(actor=secretary, case=case, reason="督办：书记张三过问")
    neighbour = resident_at("neighbour", world.household_a2)
    case_follow(actor=neighbour, case_id=case.pk)
    # When the neighbour reads it
    body = api_client(neighbour).get(f"/cases/following/{case.pk}").content.decode()
    # Then no raiser, phone, actor, or internal note is in the answer
    for secret in ("王大爷", "5678", "内部备注", "张三", "group_a1", "secretary_a", "raiser"):
        assert secret not in body


def test_suggestions_show_only_followable_cases(world, raise_case, family_case):
    # Given an open stairwell light and a family dispute in building 1
    light = raise_case(title="楼道灯不亮")
    neighbour = resident_at("neighbour", world.household_a2)

    def suggested(user, category):
        query = {"category": category, "place": world.household_a2.pk, "text": "吵架 楼道灯"}
        return [c["id"] for c in api_client(user).get("/cases/similar", query).json()]

    # Then the neighbour is shown the light but never the dispute, and people of the other
    # county or without a home there are shown nothing
    assert suggested(neighbour, "stairwell_light") == [light.pk]
    assert suggested(neighbour, "family_dispute") == []
    assert suggested(world.users["secretary_a"], "family_dispute") == []
    homeless = User.objects.create_user("homeless", password="x")
    for user in (world.users["secretary_b"], homeless):
        assert suggested(user, "stairwell_light") == []


def test_the_rule_is_one_function_used_by_the_service(world, raise_case):
    case = raise_case()
    with pytest.raises(NotFound):
        case_follow(actor=world.users["secretary_b"], case_id=case.pk)
    with pytest.raises(NotFound):
        access_case_to_follow(world.users["secretary_b"], case.pk)
    assert Case.objects.filter(pk=case.pk, followers__isnull=True).exists()


def test_a_follower_who_no_longer_qualifies_hears_nothing_more(world, raise_case):
    # Given a neighbour who follows a case, and an outsider's follower row from before
    case = raise_case()
    neighbour = resident_at("neighbour", world.household_a2)
    outsider = world.users["secretary_b"]
    case_follow(actor=neighbour, case_id=case.pk)
    CaseFollower.objects.create(
        case=case, user=outsider, reason="me_too", created_at=case.created_at
    )
    # When the case is resolved
    holder = world.users["group_a1"]
    s.case_acknowledge(actor=holder, case=case)
    s.case_resolve(actor=holder, case=case, resolution="已更换灯泡")
    # Then the neighbour is told, the outsider is not (the notice carries the title)
    told = set(Notification.objects.filter(case=case).values_list("recipient_id", flat=True))
    assert neighbour.pk in told and outsider.pk not in told
