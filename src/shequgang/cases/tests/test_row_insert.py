"""``shequgang.row_insert``: the rows its one-statement INSERTs write are the rows the ORM
writes for the same instances — column for column, read back from the database — for
every model the hot paths write with it; and none of those models has a save signal
receiver that it would skip."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import pytest
from django.db import models
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from shequgang.apikit.models import IdempotencyRecord
from shequgang.cases.models import Case, CaseEvent, CaseIntake, EventKind, Notification
from shequgang.row_insert import RowInsert

pytestmark = pytest.mark.django_db

M = TypeVar("M", bound=models.Model)
WRITTEN = (Case, CaseEvent, Notification, IdempotencyRecord, CaseIntake)


def copy_of(obj: M, **changes: Any) -> M:
    """An unsaved instance with ``obj``'s column values (but its key), then ``changes``."""
    fields = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key
    }
    return type(obj)(**{**fields, **changes})


def row(model: type[models.Model], pk: int, *, skip: tuple[str, ...]) -> dict[str, Any]:
    found = model.objects.filter(pk=pk).values()[0]  # type: ignore[attr-defined]
    return {k: v for k, v in found.items() if k not in ("id", *skip)}


@pytest.mark.parametrize("model", WRITTEN, ids=lambda m: m.__name__)
def test_no_model_written_this_way_has_save_signal_receivers(model):
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def test_a_case_row_equals_the_orm_row(world, raise_case):
    # Given a case with the columns of every kind set: text, integers, booleans, floats,
    # foreign keys, aware datetimes (and unset ones), ciphertext
    at = dt.datetime(2026, 11, 30, 9, 15, 7, 123456, tzinfo=dt.UTC)
    case = raise_case(
        now=at,
        anonymous=True,
        latitude=37.518,
        longitude=111.141,
        raiser_phone="13800138000",
        description="三楼",
    )
    # When the same columns are written by RowInsert and by Model.save()
    ours = RowInsert(Case).insert(copy_of(case, number="X-1"))
    theirs = copy_of(case, number="X-2")
    theirs.save(force_insert=True)
    # Then the rows read back are equal (but the number, and the save time auto_now sets)
    skip = ("number", "updated_at")
    assert row(Case, ours.pk, skip=skip) == row(Case, theirs.pk, skip=skip)
    assert row(Case, ours.pk, skip=skip)["created_at"] == at
    assert ours._state.adding is False and ours.pk != theirs.pk


def test_events_notifications_and_records_equal_the_orm_rows(world, raise_case):
    case = raise_case()
    at = timezone.now()
    event = CaseEvent(
        case=case,
        at=at,
        actor=world.users["nobody"],
        kind=EventKind.CREATED,
        to_status=case.status,
        to_rung=case.rung,
        data={"source": "resident", "nested": [1, "二", None]},
    )
    notification = Notification(
        recipient=world.users["nobody"], case=case, title="标题", body="", deliver_after=at
    )
    record = IdempotencyRecord(
        user=world.users["nobody"],
        key="k",
        operation="op",
        request_hash="h" * 64,
        status_code=201,
        body={"a": [1, 2], "b": "中文"},
    )
    cases: list[tuple[models.Model, tuple[str, ...], dict[str, str]]] = [
        (event, (), {}),
        (notification, ("created_at",), {}),
        (record, ("created_at", "key"), {"key": "k2"}),
    ]
    for obj, skip, change in cases:
        insert: RowInsert[models.Model] = RowInsert(type(obj))
        ours = insert.insert_many([copy_of(obj), copy_of(obj, **change)])[0]
        theirs = copy_of(obj, **({"key": "k3"} if change else {}))
        theirs.save(force_insert=True)
        assert row(type(obj), ours.pk, skip=skip) == row(type(obj), theirs.pk, skip=skip)


def test_many_rows_keep_their_order_across_statements(world, raise_case, monkeypatch):
    # More rows than one statement takes: the keys still come back to the right rows.
    monkeypatch.setattr("shequgang.row_insert.BATCH", 3)
    case = raise_case()
    rows = [
        Notification(
            recipient=world.users["nobody"],
            case=case,
            title=f"第{i}条",
            deliver_after=timezone.now(),
        )
        for i in range(7)
    ]
    RowInsert(Notification).insert_many(rows)
    assert [Notification.objects.get(pk=n.pk).title for n in rows] == [n.title for n in rows]
