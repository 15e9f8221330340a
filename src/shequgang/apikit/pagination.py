"""Limit/offset pages for list endpoints, with a hard maximum page size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

MAX_LIMIT = 500
DEFAULT_LIMIT = min(settings.PAGE_SIZE, MAX_LIMIT)
# Deep offsets are slow and never needed by a client that pages forward; narrow the
# search instead.
MAX_OFFSET = 1_000_000

M = TypeVar("M", bound=Model)


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


def page_of(
    queryset: QuerySet[M], params: PageParams, *, build: Callable[[M], Any] | None = None
) -> dict[str, Any]:
    """The page envelope (``count``, ``limit``, ``offset``) and the page's rows as
    ``items`` (each passed through ``build`` when given), for a ``PageOut`` subclass to
    validate. ``count`` is every row the queryset matches; on a short last page it is
    known without a ``COUNT`` query. Bad ``limit``/``offset`` never get here: ninja
    refuses them against ``PageParams`` (422 ``invalid_input``)."""
    rows = list(queryset[params.offset : params.offset + params.limit])
    count = (
        params.offset + len(rows)
        if len(rows) < params.limit and (rows or params.offset == 0)
        else queryset.count()
    )
    items = rows if build is None else [build(row) for row in rows]
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": items}
