"""``cases.services.create_write``: the creating write made before its transaction and
sent in as few statements as the engine allows — one on PostgreSQL — with the number,
the events and the holder's notifications right, including the county's first case of a
day and a day past its 9,999th case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequgang.cases import services
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    EventKind,
    Notification,
    Source,
)
from shequgang.cases.services.create_write import HOLDER_TITLE

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
DAY = dt.date(2026, 12, 7)


def draft_of(world, cat, code="stairwell_light", at=AT):
    return services.case_draft(
        actor=world.users["nobody"],
        source=Source.RESIDENT,
        category=cat(code),
        place=world.household_a1,
        title="楼道灯坏了",
        now=at,
    )


def written(world, cat, **kw):
    """The rows made first, then the write, its statements captured."""
    rows = services.creation_rows(draft_of(world, cat, **kw))
    with CaptureQueriesContext(connection) as queries:
        created = services.creation_write(rows)
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    return created, statements


def test_the_write_is_one_statement_on_postgresql_and_four_on_sqlite(world, cat):
    # Given the county's counter row for the day already exists (a case was raised)
    first, _ = written(world, cat)
    # When a second case is written
    created, statements = written(world, cat)
    # Then the counter, the case, its two events and the holder's notification took one
    # statement on PostgreSQL, one each on SQLite
    assert Notification.objects.filter(case=created.case).count() >= 1
    assert len(statements) == (1 if connection.vendor == "postgresql" else 4), statements
    assert created.case.number == first.case.number[:-4] + "0002"


def test_the_rows_written_are_the_ones_made_and_read_back_equal(world, cat):
    created, _ = written(world, cat)
    case = Case.objects.get(pk=created.case.pk)
    assert case.number == created.case.number
    county = case.county_code
    assert case.number == f"{county}-20261207-0001"
    assert (case.category_id, case.place_id, case.raiser_id) == (
        cat("stairwell_light").pk,
        world.household_a1.pk,
        world.users["nobody"].pk,
    )
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.ASSIGNED]
    assert [e.pk for e in events] == [e.pk for e in created.events]
    assert events[0].data == {"source": Source.RESIDENT} and events[0].actor_id == case.raiser_id
    assert events[1].actor_id is None and events[1].reason
    notes = list(Notification.objects.filter(case=case).order_by("recipient_id"))
    assert notes, "the holder is told"
    assert {n.title for n in notes} == {f"{HOLDER_TITLE}{case.number}"}
    assert {n.body for n in notes} == {case.title}
    assert all(n.deliver_after is not None and n.delivered_at is None for n in notes)


def test_the_first_case_of_a_county_day_makes_its_counter_row(world, cat):
    # Given no counter row for the county and day
    county = draft_of(world, cat).fields["county_code"]
    assert not CaseNumberCounter.objects.filter(county_code=county, day=DAY).exists()
    # When a case is written
    created, statements = written(world, cat)
    # Then the row is made and the case takes number 1; the miss cost two statements more
    assert created.case.number.endswith("-0001")
    assert CaseNumberCounter.objects.get(county_code=county, day=DAY).last == 1
    assert len(statements) == (3 if connection.vendor == "postgresql" else 6), statements


def test_a_day_past_its_9999th_case_keeps_every_digit(world, cat):
    # Given the counter at 9,999 for the day (the number's fourth digit is its last)
    county = draft_of(world, cat).fields["county_code"]
    CaseNumberCounter.objects.create(county_code=county, day=DAY, last=9999)
    # When two more cases are written
    a, _ = written(world, cat)
    b, _ = written(world, cat)
    # Then they are the 10,000th and 10,001st, as Python's {:04d} would write them
    assert a.case.number == f"{county}-20261207-10000"
    assert b.case.number == f"{county}-20261207-10001"
    assert Case.objects.get(pk=b.case.pk).number == b.case.number
    note = Notification.objects.filter(case=b.case).first()
    assert note is not None and note.title == f"{HOLDER_TITLE}{b.case.number}"


def test_a_day_is_the_day_in_shanghai(world, cat):
    # 23:30 UTC on 6 December is 07:30 on 7 December in Shanghai
    created, _ = written(world, cat, at=dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))
    assert "-20261207-" in created.case.number
