"""Keyset (seek) pages over an ordered queryset, with an opaque cursor.

A page asks the index for the rows after the last one shown instead of counting past an
offset, so page 200 of a work queue costs what page 1 does, and rows that move between
requests (a case acknowledged meanwhile) neither repeat nor vanish. The cursor is the
last row's ordering values, signed: clients pass it back untouched, and a forged or
stale-format cursor is refused rather than trusted. A ``.values()`` queryset pages the
same way, its rows dicts that hold the ordering fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db import models
from django.db.models import Q, QuerySet

from shequgang.errors import DomainError

R = TypeVar("R")  # a row: a model instance, or a dict from ``.values()``
_SALT = "shequgang.keyset"


@dataclass(frozen=True)
class KeysetPage(Generic[R]):
    rows: list[R]
    next_cursor: str | None  # None: this was the last page


def _ordering(queryset: QuerySet[Any, Any]) -> list[tuple[str, bool]]:
    """(field, descending) for each ordering term; the last must be unique (the pk)."""
    terms = [str(t) for t in queryset.query.order_by]
    if not terms or terms[-1].lstrip("-") not in {"id", "pk"}:
        raise ValueError("keyset paging needs an ordering that ends with the id")
    return [(t.lstrip("-"), t.startswith("-")) for t in terms]


def ordering_fields(queryset: QuerySet[Any, Any]) -> list[str]:
    """The fields a ``.values()`` row needs for its cursor (the pk as "id")."""
    return ["id" if name == "pk" else name for name, _desc in _ordering(queryset)]


def _encode(row: Any, order: list[tuple[str, bool]]) -> str:
    values: list[Any] = []
    for name, _desc in order:
        if isinstance(row, dict):
            value = row["id" if name == "pk" else name]
        else:
            value = getattr(row, "pk" if name == "id" else name)
        values.append(value.isoformat() if isinstance(value, dt.datetime) else value)
    return signing.dumps(values, salt=_SALT, compress=True)


def _decode(cursor: str, model: type[models.Model], order: list[tuple[str, bool]]) -> list[Any]:
    try:
        values = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        raise DomainError("invalid_cursor", "翻页参数无效，请从第一页重新查看") from None
    if not isinstance(values, list) or len(values) != len(order):
        raise DomainError("invalid_cursor", "翻页参数无效，请从第一页重新查看")
    decoded: list[Any] = []
    for (name, _desc), value in zip(order, values, strict=True):
        field = model._meta.pk if name in {"id", "pk"} else model._meta.get_field(name)
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        decoded.append(value)
    return decoded


def _after(order: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``order``: (a > x) or (a = x and b > y) or ..."""
    cond = Q(pk__in=[])
    for i, (name, desc) in enumerate(order):
        step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        for (prev, _prev_desc), prev_value in zip(order[:i], values[:i], strict=True):
            step &= Q(**{prev: prev_value})
        cond |= step
    return cond


def keyset_page(queryset: QuerySet[Any, R], *, cursor: str | None, size: int) -> KeysetPage[R]:
    """The ``size`` rows of ``queryset`` (ordered, ending with the id) after ``cursor``;
    rows of a ``.values()`` queryset must include the ordering fields (by name). Raises
    ``DomainError("invalid_cursor")`` for a cursor this server did not issue."""
    order = _ordering(queryset)
    if cursor:
        queryset = queryset.filter(_after(order, _decode(cursor, queryset.model, order)))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows=rows, next_cursor=_encode(rows[-1], order) if more else None)
