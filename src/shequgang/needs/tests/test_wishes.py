"""微心愿 end to end: post, review, claim (exactly one wins), fulfil, confirm with thanks
and points; refusals at each boundary; the branch sees the ones left unclaimed."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from shequgang.errors import DomainError, Forbidden, NotFound
from shequgang.needs.models import Demand, DemandSource, DemandStatus, DemandType
from shequgang.needs.supply_access import access_wish_to_claim, wishes_to_claim
from shequgang.needs.tests.supply_factories import NOON, make_unit
from shequgang.needs.wish_models import Wish, WishStatus
from shequgang.needs.wishes import (
    stale_wishes,
    wish_claim,
    wish_confirm,
    wish_fulfil,
    wish_post,
    wish_review,
    wish_withdraw,
)
from shequgang.party.models import Member
from shequgang.places.models import Place
from shequgang.points.models import Account
from shequgang.residency.services import resident_account_confirm
from shequgang.residency.tests.factories import registered
from shequgang.testing import World

_seq = itertools.count(1)


def resident_of(world: World, household: Place) -> User:
    account = registered(household, name="王秀英")
    confirmer = "grid_a1" if household == world.household_a1 else "secretary_b"
    resident_account_confirm(account=account, actor=world.users[confirmer])
    return account.user


def member_of(community: Place, name: str = "") -> User:
    user = User.objects.create_user(name or f"member{next(_seq)}", password="x")
    Member.objects.create(
        name="党员",
        work_unit=make_unit(community, name=f"单位{next(_seq)}"),
        employee_number=str(next(_seq)),
        user=user,
        community=community,
    )
    return user


def published(world: World, resident: User, *, at: dt.datetime = NOON) -> Wish:
    wish = wish_post(actor=resident, type=DemandType.HARDSHIP, text="孩子想要一个新书包", now=at)
    return wish_review(
        actor=world.users["worker_a"],
        wish=wish,
        approve=True,
        public_text="一名小学生想要新书包",
        now=at,
    )


@pytest.mark.django_db
def test_a_wish_from_post_to_thanks(world: World) -> None:
    resident = resident_of(world, world.household_a1)
    member = member_of(world.community_a)
    # posted by the resident: waits for review, and records a demand (source wish)
    wish = wish_post(
        actor=resident, type=DemandType.HARDSHIP, text="孩子想要书包，电话13800000001", now=NOON
    )
    assert wish.status == WishStatus.PENDING_REVIEW and wish.community == world.community_a
    assert wish.demand_id is not None
    demand = Demand.objects.get(pk=wish.demand_id)
    assert demand.source == DemandSource.WISH and demand.household == world.household_a1
    # not on the wall before review
    assert not wishes_to_claim(member).exists()
    # a published text may not carry the phone
    with pytest.raises(DomainError) as err:
        wish_review(
            actor=world.users["worker_a"], wish=wish, approve=True, public_text="电话13800000001"
        )
    assert err.value.code == "public_text_personal"
    wish = wish_review(
        actor=world.users["worker_a"],
        wish=wish,
        approve=True,
        public_text="一名小学生想要新书包",
        now=NOON,
    )
    assert list(wishes_to_claim(member)) == [wish]
    wish = wish_claim(actor=member, wish=access_wish_to_claim(member, wish.pk), now=NOON)
    assert wish.claimer == member
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.MATCHED
    # only the claimer reports it done, only the resident confirms
    with pytest.raises(Forbidden):
        wish_fulfil(actor=world.users["worker_a"], wish=wish, proof_note="已送达")
    wish = wish_fulfil(actor=member, wish=wish, proof_note="书包已送到", now=NOON)
    with pytest.raises(Forbidden):
        wish_confirm(actor=member, wish=wish, thanks="谢谢")
    later = NOON + dt.timedelta(days=2)
    wish = wish_confirm(actor=resident, wish=wish, thanks="谢谢叔叔", now=later)
    assert wish.status == WishStatus.CONFIRMED and wish.thanks == "谢谢叔叔"
    met = Demand.objects.get(pk=demand.pk)
    assert met.status == DemandStatus.MET and met.met_at == later
    # the micro_wish rule's 10 points, once
    assert wish.points_awarded == 10
    assert Account.objects.get(owner=member, community=world.community_a).balance == 10


@pytest.mark.django_db
def test_claims_refused_after_expiry_withdrawal_or_by_another(world: World) -> None:
    resident = resident_of(world, world.household_a1)
    first, second = member_of(world.community_a), member_of(world.community_a)
    wish = published(world, resident)
    assert wish.expires_at is not None
    # the last moment before expiry claims; the moment of expiry does not
    with pytest.raises(DomainError) as err:
        wish_claim(actor=first, wish=wish, now=wish.expires_at)
    assert err.value.code == "wish_expired" and err.value.status == 409
    wish_claim(actor=first, wish=wish, now=wish.expires_at - dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as err:
        wish_claim(actor=second, wish=wish, now=NOON)
    assert err.value.code == "wish_taken"
    assert Wish.objects.get(pk=wish.pk).claimer == first
    # withdrawn before anyone claims: refused
    other = wish_post(actor=resident, type=DemandType.REPAIR, text="轮椅坏了", now=NOON)
    other = wish_review(
        actor=world.users["worker_a"],
        wish=other,
        approve=True,
        public_text="轮椅需要维修",
        now=NOON,
    )
    wish_withdraw(actor=resident, wish=other, now=NOON)
    with pytest.raises(DomainError) as err:
        wish_claim(actor=second, wish=other, now=NOON)
    assert err.value.code == "wish_withdrawn"
    assert other.demand_id is not None
    assert Demand.objects.get(pk=other.demand_id).status == DemandStatus.CANNOT_MEET


@pytest.mark.django_db
def test_the_wisher_cannot_claim_and_strangers_do_not_reach_it(world: World) -> None:
    resident = resident_of(world, world.household_a1)
    wish = published(world, resident)
    with pytest.raises(Forbidden):
        wish_claim(actor=resident, wish=wish, now=NOON)
    # a member of 建昌 and an account with no ties get the same NotFound as a missing id
    for outsider in (member_of(world.community_b), world.users["nobody"]):
        assert not wishes_to_claim(outsider).exists()
        with pytest.raises(Forbidden):
            wish_claim(actor=outsider, wish=wish, now=NOON)
        with pytest.raises(NotFound):
            access_wish_to_claim(outsider, wish.pk)
    with pytest.raises(NotFound):
        access_wish_to_claim(member_of(world.community_a), 10**9)


@pytest.mark.django_db
def test_posting_rules(world: World) -> None:
    # staff of 建昌 cannot post for a household of 城东; a login without a home cannot post
    with pytest.raises(Forbidden):
        wish_post(
            actor=world.users["secretary_b"],
            type=DemandType.REPAIR,
            text="x",
            household=world.household_a1,
        )
    with pytest.raises(Forbidden):
        wish_post(actor=world.users["nobody"], type=DemandType.REPAIR, text="x")
    # a worker posts on a resident's behalf; the worker's text is checked
    with pytest.raises(DomainError) as err:
        wish_post(
            actor=world.users["worker_a"],
            type=DemandType.REPAIR,
            text=" ",
            household=world.household_a1,
        )
    assert err.value.code == "text_required"
    wish = wish_post(
        actor=world.users["worker_a"],
        type=DemandType.REPAIR,
        text="老人轮椅坏了",
        household=world.household_a1,
        resident=world.residents["a1"],
    )
    assert wish.wisher is None and wish.posted_by == world.users["worker_a"]
    # review by 建昌 staff is refused
    with pytest.raises(Forbidden):
        wish_review(actor=world.users["secretary_b"], wish=wish, approve=False, note="不宜公开")


@pytest.mark.django_db
def test_unclaimed_wishes_surface_to_the_branch_after_n_days(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEEDS_WISH_SURFACE_DAYS = 7
    resident = resident_of(world, world.household_a1)
    wish = published(world, resident)
    branch = world.users["branch_a"]
    assert not stale_wishes(
        branch, now=NOON + dt.timedelta(days=7) - dt.timedelta(seconds=1)
    ).exists()
    assert list(stale_wishes(branch, now=NOON + dt.timedelta(days=7))) == [wish]
    assert not stale_wishes(world.users["secretary_b"], now=NOON + dt.timedelta(days=8)).exists()
    wish_claim(actor=member_of(world.community_a), wish=wish, now=NOON + dt.timedelta(days=8))
    assert not stale_wishes(branch, now=NOON + dt.timedelta(days=9)).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_claims_exactly_one_wins(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is what is tested")
    resident = resident_of(world, world.household_a1)
    wish = published(world, resident, at=dt.datetime.now(dt.UTC))
    claimers = [member_of(world.community_a) for _ in range(20)]
    won: list[int] = []
    refused: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(20)

    def claim(user: User) -> None:
        try:
            barrier.wait()
            wish_claim(actor=user, wish=wish)
            won.append(user.pk)
        except DomainError as exc:
            refused.append(exc.code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(won) == 1 and refused == ["wish_taken"] * 19
    row = Wish.objects.get(pk=wish.pk)
    assert row.claimer_id == won[0] and row.status == WishStatus.CLAIMED
