"""Unknown paths under /api/v1/ answer like every other API error, as JSON."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from shequgang.errors import NotFound

# Mounted last: it matches every path the routers before it did not.
router = Router()


@router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise NotFound("接口")
