"""Followers: "me too" on an open case (idempotent, on the timeline, notified like the
raiser) and merges (everyone who reported or followed the duplicate follows the
surviving case and hears its outcome)."""

import threading

import pytest
from django.db import connection

from shequgang.cases import services as s
from shequgang.cases.models import CaseEvent, CaseFollower, EventKind, Notification, Status
from shequgang.cases.services.followers import case_follow, follower_ids
from shequgang.cases.services.notifications import deliver_due
from shequgang.errors import DomainError, NotFound
from shequgang.testing import resident_at


@pytest.fixture
def neighbour(world):
    return resident_at("neighbour", world.household_a2)  # a neighbour in the same compound


@pytest.fixture
def another(world):
    return resident_at("another", world.household_a2)  # a neighbour in the same compound


def titles(user):
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True)
    )


def resolve(world, case):
    holder = world.users["group_a1"]  # stairwell_light starts at building 1's party group
    s.case_acknowledge(actor=holder, case=case)
    return s.case_resolve(actor=holder, case=case, resolution="已更换灯泡")


def test_me_too_is_idempotent_and_on_the_timeline(world, raise_case, neighbour):
    case = raise_case()
    first = case_follow(actor=neighbour, case_id=case.pk)
    second = case_follow(actor=neighbour, case_id=case.pk)
    assert (first.created, second.created) == (True, False)
    assert follower_ids(case) == [neighbour.pk]
    followed = CaseEvent.objects.filter(case=case, kind=EventKind.FOLLOWED)
    assert [(e.actor_id, e.to_status) for e in followed] == [(neighbour.pk, Status.SUBMITTED)]
    # The holder hears that one more resident has the problem.
    assert titles(world.users["group_a1"])[-1].startswith("又有居民反映同一问题")


def test_the_raiser_already_follows(world, raise_case):
    case = raise_case()
    done = case_follow(actor=world.users["nobody"], case_id=case.pk)
    assert not done.created
    assert not CaseFollower.objects.exists()


def test_followers_hear_the_resolution(world, raise_case, neighbour, another):
    case = raise_case()
    case_follow(actor=neighbour, case_id=case.pk)
    resolve(world, case)
    assert titles(neighbour)[-1].startswith("您反映的事项已办结")
    assert titles(world.users["nobody"])[-1].startswith("您反映的事项已办结")
    assert titles(another) == []
    assert deliver_due() >= 2


def test_only_open_cases_can_be_joined(world, raise_case, neighbour, another):
    case = raise_case()
    case_follow(actor=neighbour, case_id=case.pk)
    resolve(world, case)
    with pytest.raises(DomainError) as err:
        case_follow(actor=another, case_id=case.pk)
    assert (err.value.code, err.value.status) == ("case_not_open", 409)
    # Someone who already follows it gets the same answer as before, not an error.
    assert case_follow(actor=neighbour, case_id=case.pk).created is False


def test_missing_case_and_anonymous(world, neighbour):
    with pytest.raises(NotFound):
        case_follow(actor=neighbour, case_id=987654)
    with pytest.raises(DomainError) as err:
        case_follow(actor=None, case_id=1)
    assert err.value.status == 401


def test_merge_moves_reporters_and_followers(world, raise_case, neighbour, another):
    survivor = raise_case(actor=another, title="1号楼楼道灯坏了")
    duplicate = raise_case(title="楼道灯不亮")  # raised by nobody
    case_follow(actor=neighbour, case_id=duplicate.pk)
    s.case_merge(actor=world.users["secretary_a"], case=duplicate, into=survivor)
    rows = CaseFollower.objects.filter(case=survivor).order_by("user_id")
    assert [(r.user_id, r.reason, r.via_id) for r in rows] == sorted(
        [
            (world.users["nobody"].pk, "merged", duplicate.pk),
            (neighbour.pk, "merged", duplicate.pk),
        ]
    )
    assert titles(neighbour)[-1].startswith(f"您关注的问题已并入事项 {survivor.number}")
    assert titles(world.users["nobody"])[-1].startswith(f"您反映的问题已并入事项 {survivor.number}")
    resolve(world, survivor)
    for user in (another, world.users["nobody"], neighbour):
        assert titles(user)[-1] == f"您反映的事项已办结，请评价：{survivor.number}"


def test_merging_twice_keeps_one_row_each(world, raise_case, neighbour):
    survivor = raise_case(title="楼道灯坏了")
    first = raise_case(actor=neighbour, title="楼道灯不亮")
    second = raise_case(actor=neighbour, title="楼道灯还是不亮")
    secretary = world.users["secretary_a"]
    s.case_merge(actor=secretary, case=first, into=survivor)
    s.case_merge(actor=secretary, case=second, into=survivor)
    assert follower_ids(survivor) == [neighbour.pk]


def test_the_survivors_raiser_is_not_a_follower(world, raise_case):
    survivor = raise_case()
    duplicate = raise_case()  # the same resident twice
    s.case_merge(actor=world.users["secretary_a"], case=duplicate, into=survivor)
    assert follower_ids(survivor) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_me_too_writes_one_row(world, raise_case, neighbour):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is what is tested")
    case = raise_case()
    results, errors = [], []
    barrier = threading.Barrier(4)

    def join():
        try:
            barrier.wait()
            results.append(case_follow(actor=neighbour, case_id=case.pk).created)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=join) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert CaseFollower.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.FOLLOWED).count() == 1
