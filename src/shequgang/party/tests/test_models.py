"""The schema holds the rules the services rely on, even if a service were bypassed."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from shequgang.party.models import (
    Branch,
    BranchCompound,
    BranchMode,
    Committee,
    Member,
    MemberReport,
    Responsibility,
)
from shequgang.testing import World

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_migrations_match_the_models(db: None) -> None:
    out = StringIO()
    call_command("makemigrations", "party", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _member(name: str = "党员甲", index: str = "a" * 64) -> Member:
    return Member.objects.create(name=name, id_number_index=index, id_number_masked="1411****1234")


def test_one_active_report_per_member_is_a_database_rule(world: World) -> None:
    member = _member()
    MemberReport.objects.create(member=member, community=world.community_a, reported_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberReport.objects.create(member=member, community=world.community_b, reported_at=NOW)
    # An ended report is history and does not block a new one.
    MemberReport.objects.filter(member=member).update(ended_at=NOW)
    MemberReport.objects.create(member=member, community=world.community_b, reported_at=NOW)
    assert MemberReport.objects.filter(member=member).count() == 2


def test_a_member_needs_an_id_number_or_an_employee_number(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(name="无标识")


def test_a_compound_belongs_to_at_most_one_branch(world: World) -> None:
    committee = Committee.objects.create(community=world.community_a, name="城东社区党委")
    first = Branch.objects.create(committee=committee, name="一支部", mode=BranchMode.SINGLE)
    second = Branch.objects.create(committee=committee, name="二支部", mode=BranchMode.SINGLE)
    BranchCompound.objects.create(branch=first, compound=world.compound_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchCompound.objects.create(branch=second, compound=world.compound_a)


def test_a_responsibility_has_exactly_one_holder(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(place=world.building_a1, started_on=NOW.date())
