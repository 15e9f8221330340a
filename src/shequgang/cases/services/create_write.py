"""The creating write, as short as each engine allows.

Concurrent creations queue on what the write locks: SQLite's one writer, and on
PostgreSQL the county's number counter row and the tallies' rows (``dashboard.triggers``).
Everything held while they are locked is paid by every creation waiting behind, and on a
busy server a thread that gives up the GIL for a statement may wait a switch interval to
get it back — so the time between the lock and the commit is what bounds the door
(docs/benchmarks.md, "The synchronous door").

So the rows are made before the transaction (``creation_rows``: the case, its created and
assigned events and the holder's notifications as objects, and their column values,
through ``shequgang.row_insert``), leaving only the number and the new keys to fill in.
The write (``creation_write``) then sends:

- on PostgreSQL, **one statement**: a data-modifying ``WITH`` that takes the number from
  the counter row, inserts the case (its number formed in SQL from the counter), both
  events and the notifications, and returns their keys — one round trip;
- on SQLite (in-process, no round trips), the same rows in four statements through one
  cursor.

A county's counter row for a new day is made on the first miss (``INSERT … ON CONFLICT DO
NOTHING``, so concurrent first creations do not fail) and the write taken again. Photos
and a department leg (a category that starts at the department rung) are rare and go
through the ORM after the rows, in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from shequgang.cases.engine.legs import legs_follow
from shequgang.cases.engine.numbering import counter_day, number_prefix
from shequgang.cases.engine.route_fields import route_note
from shequgang.cases.engine.routing import Route
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CasePhoto,
    Category,
    EventKind,
)
from shequgang.cases.models.dispatch import LegOutcome, LegVia
from shequgang.cases.models.notification import Notification
from shequgang.cases.services.notifications import holders_of
from shequgang.cases.services.photos import CleanPhoto
from shequgang.places.models import Place
from shequgang.row_insert import RowInsert

_CASE_INSERT = RowInsert(Case)
_EVENT_INSERT = RowInsert(CaseEvent)
_NOTIFICATION_INSERT = RowInsert(Notification)
HOLDER_TITLE = "新事项待签收："


@dataclass(frozen=True)
class CaseDraft:
    """A case that passed every check and has been routed (``services.create.case_draft``);
    nothing is written yet. ``case_draft_save`` writes it."""

    user: User | None
    source: str
    category: Category
    place: Place
    route: Route
    fields: dict[str, Any]  # the case's columns
    photos: list[CleanPhoto]
    now: dt.datetime


@dataclass(frozen=True)
class CaseCreated:
    """What the write wrote: the case (its relations to category, place and holder
    loaded), its report photos and its two events, oldest first."""

    case: Case
    photos: list[CasePhoto]
    events: list[CaseEvent]


@dataclass
class CreationRows:
    """A drafted case's rows, made and prepared before its transaction."""

    draft: CaseDraft
    case: Case
    events: list[CaseEvent]
    notifications: list[Notification]
    county_code: str
    day: Any  # the counter's day, as the database takes it
    number_prefix: str  # "<county>-<yyyymmdd>-"
    case_values: list[Any]
    event_values: list[list[Any]]
    notification_values: list[list[Any]]


def creation_rows(draft: CaseDraft) -> CreationRows:
    """The case of ``draft``, its two events and the holder's notifications, with their
    column values (number and keys left to the write). Reads nothing."""
    now, user, r = draft.now, draft.user, draft.route
    case = Case(number="", category=draft.category, place=draft.place, raiser=user, **draft.fields)
    events = [
        CaseEvent(
            case=case,
            at=now,
            actor=user,
            kind=EventKind.CREATED,
            to_status=case.status,
            to_rung=case.rung,
            data={"source": draft.source},
        ),
        CaseEvent(
            case=case,
            at=now,
            actor=None,
            kind=EventKind.ASSIGNED,
            to_status=case.status,
            to_rung=case.rung,
            reason=route_note(r),
        ),
    ]
    sent = timezone.now()
    # The route knows the holder's people; when it does not, ask (a read, before the write).
    holders = holders_of(case) if r.holder_ids is None else r.holder_ids
    notifications = [
        Notification(
            recipient_id=uid,
            case=case,
            channel=Notification.Channel.INBOX,
            title=HOLDER_TITLE,
            body=case.title[:500],
            deliver_after=sent,
        )
        for uid in sorted({u for u in holders if u is not None})
    ]
    county_code = draft.fields["county_code"]
    day = counter_day(now)
    return CreationRows(
        draft=draft,
        case=case,
        events=events,
        notifications=notifications,
        county_code=county_code,
        day=connection.ops.adapt_datefield_value(day),
        number_prefix=number_prefix(county_code, day),
        case_values=_CASE_INSERT.values(case),
        event_values=[_EVENT_INSERT.values(e) for e in events],
        notification_values=[_NOTIFICATION_INSERT.values(n) for n in notifications],
    )


# No savepoint inside a caller's transaction (the idempotency record's): every refusal
# was raised by the draft, so only a database error can end this early.
@transaction.atomic(savepoint=False)
def creation_write(rows: CreationRows) -> CaseCreated:
    """Write ``rows`` (see the module's docstring); returns the case with its number and
    key, its photos and its events, oldest first."""
    write = _postgresql if connection.vendor == "postgresql" else _sqlite
    with connection.cursor() as cursor:
        keys = write(cursor, rows)
        if keys is None:  # the county's first case of the day: make its counter row
            cursor.execute(_COUNTER_ROW_SQL, [rows.county_code, rows.day])
            keys = write(cursor, rows)
            assert keys is not None
    case_id, number, event_ids, notification_ids = keys
    case = rows.case
    case.pk, case.number = case_id, number
    _saved(case)
    for obj, pk in zip(rows.events, event_ids, strict=True):
        obj.pk, obj.case_id = pk, case_id
        _saved(obj)
    for note, pk in zip(rows.notifications, notification_ids, strict=True):
        note.pk, note.case_id, note.title = pk, case_id, _holder_title(number)
        _saved(note)
    draft = rows.draft
    photos = [
        CasePhoto.objects.create(
            case=case,
            image=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=photo.size,
            uploaded_by=draft.user,
        )
        for photo in draft.photos
    ]
    legs_follow(case, via=LegVia.ESCALATION, at=draft.now, ended=LegOutcome.REDISPATCHED)
    return CaseCreated(case=case, photos=photos, events=rows.events)


Keys = tuple[int, str, list[int], list[int]]


def _holder_title(number: str) -> str:
    return f"{HOLDER_TITLE}{number}"[:100]


def _saved(obj: Any) -> None:
    obj._state.adding, obj._state.db = False, connection.alias


def _index(insert: RowInsert[Any], attname: str) -> int:
    return [f.attname for f in insert.fields].index(attname)


_NUMBER = _index(_CASE_INSERT, "number")
_EVENT_CASE = _index(_EVENT_INSERT, "case_id")
_NOTE_CASE = _index(_NOTIFICATION_INSERT, "case_id")
_NOTE_TITLE = _index(_NOTIFICATION_INSERT, "title")
_COUNTER_TABLE = CaseNumberCounter._meta.db_table
_COUNTER_ROW_SQL = (
    f'INSERT INTO "{_COUNTER_TABLE}" ("county_code", "day", "last") VALUES (%s, %s, 0)'
    ' ON CONFLICT ("county_code", "day") DO NOTHING'
)
_TAKE_SQL = (
    f'UPDATE "{_COUNTER_TABLE}" SET "last" = "last" + 1'
    ' WHERE "county_code" = %s AND "day" = %s RETURNING "last"'
)


def _sqlite(cursor: Any, rows: CreationRows) -> Keys | None:
    cursor.execute(_TAKE_SQL, [rows.county_code, rows.day])
    taken = cursor.fetchone()
    if taken is None:
        return None
    number = f"{rows.number_prefix}{int(taken[0]):04d}"
    values = list(rows.case_values)
    values[_NUMBER] = number
    cursor.execute(_CASE_INSERT.statement(connection, 1), values)
    case_id = cursor.fetchone()[0]
    ids: list[list[int]] = []
    for insert, many, at in (
        (_EVENT_INSERT, rows.event_values, {_EVENT_CASE: case_id}),
        (
            _NOTIFICATION_INSERT,
            rows.notification_values,
            {_NOTE_CASE: case_id, _NOTE_TITLE: _holder_title(number)},
        ),
    ):
        if not many:
            ids.append([])
            continue
        params: list[Any] = []
        for one in many:
            filled = list(one)
            for i, v in at.items():
                filled[i] = v
            params.extend(filled)
        cursor.execute(insert.statement(connection, len(many)), params)
        ids.append([row[0] for row in cursor.fetchall()])
    return case_id, number, ids[0], ids[1]


def _postgresql(cursor: Any, rows: CreationRows) -> Keys | None:
    cursor.execute(_pg_statement(len(rows.events), len(rows.notifications)), _pg_params(rows))
    found = cursor.fetchone()
    if found is None:
        return None
    events = len(rows.events)
    return (
        found[0],
        found[1],
        list(found[2 : 2 + events]),
        list(found[2 + events :]),
    )


def _pg_params(rows: CreationRows) -> list[Any]:
    params: list[Any] = [rows.county_code, rows.day]
    case = list(rows.case_values)
    case[_NUMBER] = rows.number_prefix  # the number's expression takes the prefix
    params.extend(case)
    for one in rows.event_values:
        params.extend(v for i, v in enumerate(one) if i != _EVENT_CASE)
    for one in rows.notification_values:
        params.extend(
            HOLDER_TITLE if i == _NOTE_TITLE else v for i, v in enumerate(one) if i != _NOTE_CASE
        )
    return params


_PG_STATEMENTS: dict[tuple[int, int], str] = {}


def _cast(field: Field[Any, Any]) -> str:
    return f"CAST(%s AS {field.cast_db_type(connection)})"  # type: ignore[attr-defined]


def _insert_select(
    insert: RowInsert[Any], name: str, exprs: dict[str, str], source: str, returning: str
) -> str:
    """``name AS (INSERT INTO … SELECT <a cast parameter per column, or exprs[attname]>
    FROM source RETURNING returning)``."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in insert.fields)
    values = ", ".join(exprs.get(f.attname) or _cast(f) for f in insert.fields)
    table = quote(insert.model._meta.db_table)
    return (
        f"{name} AS (INSERT INTO {table} ({columns}) SELECT {values} FROM {source}"
        f" RETURNING {returning})"
    )


def _pg_statement(events: int, notifications: int) -> str:
    sql = _PG_STATEMENTS.get((events, notifications))
    if sql is not None:
        return sql
    # A number past 9999 keeps all its digits, as Python's {:04d} does (lpad would cut).
    number = (
        '%s || CASE WHEN n."last" < 10000 THEN lpad(n."last"::text, 4, \'0\')'
        ' ELSE n."last"::text END'
    )
    parts = [
        f"n AS ({_TAKE_SQL})",
        _insert_select(_CASE_INSERT, "c", {"number": number}, "n", '"id", "number"'),
    ]
    names = []
    for i in range(events):
        parts.append(_insert_select(_EVENT_INSERT, f"e{i}", {"case_id": 'c."id"'}, "c", '"id"'))
        names.append(f"e{i}")
    for i in range(notifications):
        title = 'left(%s || c."number", 100)'
        parts.append(
            _insert_select(
                _NOTIFICATION_INSERT,
                f"x{i}",
                {"case_id": 'c."id"', "title": title},
                "c",
                '"id"',
            )
        )
        names.append(f"x{i}")
    keys = "".join(f', {n}."id"' for n in names)
    sources = "".join(f", {n}" for n in names)
    sql = f'WITH {", ".join(parts)} SELECT c."id", c."number"{keys} FROM c{sources}'
    if notifications <= 8:
        _PG_STATEMENTS[(events, notifications)] = sql
    return sql
