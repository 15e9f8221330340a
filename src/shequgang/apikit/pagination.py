"""Limit/offset pages for list endpoints, with a hard maximum page size."""

from __future__ import annotations

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


def page_of(queryset: QuerySet[M], params: PageParams) -> dict[str, Any]:
    """The page envelope (``count``, ``limit``, ``offset``) and the page's rows as
    ``items``, for a ``PageOut`` subclass to validate."""
    items = list(queryset[params.offset : params.offset + params.limit])
    count = (
        params.offset + len(items)
        if len(items) < params.limit and (items or params.offset == 0)
        else queryset.count()
    )
    return {"count": count, "limit": params.limit, "offset": params.offset, "items": items}
