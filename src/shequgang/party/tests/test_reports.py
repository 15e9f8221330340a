"""双报到: an in-service member reports to exactly one residential community at a time;
moving ends the previous report and keeps it as history."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.party.models import MemberReport, MemberStatus
from shequgang.party.reporting import member_report, member_report_end
from shequgang.party.tests.conftest import NOW, Party, register
from shequgang.testing import build_world


def test_a_member_reports_to_the_community_where_they_live(party: Party) -> None:
    world = party.world
    report = member_report(
        actor=world.users["worker_a"],
        member=party.member,
        community=world.community_a,
        residence=world.household_a1,
        now=NOW,
    )
    assert report.is_active and report.community == world.community_a
    party.member.refresh_from_db()
    assert party.member.community == world.community_a


def test_moving_ends_the_previous_report_and_keeps_it(party: Party) -> None:
    world = party.world
    first = member_report(
        actor=world.admin, member=party.member, community=world.community_a, now=NOW
    )
    later = NOW + dt.timedelta(days=30)
    second = member_report(
        actor=world.admin, member=party.member, community=world.community_b, now=later
    )
    first.refresh_from_db()
    assert first.ended_at == later and first.end_reason == "迁至建昌社区"
    assert second.is_active
    assert list(party.member.reports.filter(ended_at__isnull=True)) == [second]
    assert party.member.reports.count() == 2
    party.member.refresh_from_db()
    assert party.member.community == world.community_b


def test_reporting_again_to_the_same_community_is_refused(party: Party) -> None:
    world = party.world
    member_report(actor=world.admin, member=party.member, community=world.community_a, now=NOW)
    with pytest.raises(Conflict) as err:
        member_report(actor=world.admin, member=party.member, community=world.community_a)
    assert err.value.code == "already_reported"
    assert party.member.reports.count() == 1


def test_retired_members_do_not_report(party: Party) -> None:
    retired = register(party.world, name="退休", status=MemberStatus.RETIRED)
    with pytest.raises(DomainError) as err:
        member_report(actor=party.admin, member=retired, community=party.world.community_a)
    assert err.value.code == "not_in_service"
    assert not MemberReport.objects.exists()


def test_a_member_may_report_themselves_staff_only_in_scope(party: Party) -> None:
    world = party.world
    with pytest.raises(NotFound):
        member_report(
            actor=world.users["secretary_b"], member=party.member, community=world.community_a
        )
    report = member_report(
        actor=party.member_user, member=party.member, community=world.community_b
    )
    assert report.created_by == party.member_user


def test_the_residence_must_be_inside_the_community(party: Party) -> None:
    world = party.world
    with pytest.raises(DomainError) as err:
        member_report(
            actor=world.admin,
            member=party.member,
            community=world.community_a,
            residence=world.household_b,
        )
    assert err.value.code == "residence_outside_community"


def test_ending_a_report_leaves_none_active(party: Party) -> None:
    world = party.world
    report = member_report(
        actor=world.admin, member=party.member, community=world.community_a, now=NOW
    )
    member_report_end(actor=world.users["secretary_a"], report=report, reason="搬离", now=NOW)
    assert not party.member.reports.filter(ended_at__isnull=True).exists()
    with pytest.raises(Conflict):
        member_report_end(actor=world.admin, report=report, reason="again")


def test_the_database_refuses_a_second_active_report(party: Party) -> None:
    world = party.world
    member_report(actor=world.admin, member=party.member, community=world.community_a, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberReport.objects.create(
            member=party.member, community=world.community_b, reported_at=NOW
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reports_leave_exactly_one_active() -> None:
    """Needs PostgreSQL: SQLite serializes whole transactions, so there is no race."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL")
    world = build_world()
    member = register(world, name="并发")
    targets = [world.community_a, world.community_b] * 5
    results: list[str] = []
    barrier = threading.Barrier(len(targets))

    def attempt(community: object) -> None:
        try:
            barrier.wait()
            member_report(actor=world.admin, member=member, community=community)  # type: ignore[arg-type]
            results.append("ok")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) <= {"ok", "already_reported"}
    assert MemberReport.objects.filter(member=member, ended_at__isnull=True).count() == 1
    # Every success is one row of history; refusals wrote nothing.
    assert MemberReport.objects.filter(member=member).count() == results.count("ok")
