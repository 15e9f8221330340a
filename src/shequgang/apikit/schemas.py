"""Building blocks for API schemas: the error shape, the error responses an endpoint
declares, safe text and id types, and the page envelope of list endpoints."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from ninja import Schema
from ninja.params import functions as param_functions
from pydantic import AfterValidator, Field

# Largest primary key the databases store (BIGINT); bigger ids are input errors, not a
# database overflow.
MAX_PK = 2**63 - 1


class ErrorOut(Schema):
    code: str = Field(description="稳定的英文错误码，供程序判断")
    message: str = Field(description="中文说明，供人阅读")


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut] = Field(default_factory=list)


# Responses every authenticated endpoint may give, for the OpenAPI document.
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The declared error responses of one endpoint: 401 and 422 always (every endpoint
    is authenticated and validates its input), plus ``statuses``."""
    return {s: ERRORS[s] for s in sorted({401, 422, *statuses})}


def _no_control_characters(value: str) -> str:
    # NUL cannot be stored by PostgreSQL, and no name, note or address needs a control
    # character; tabs and line breaks are the exception for free text.
    for ch in value:
        if ch not in "\t\n\r" and unicodedata.category(ch) == "Cc":
            raise ValueError("不能包含控制字符")
    return value


# A string without control characters; bound its length where it is used:
# ``Annotated[SafeStr, Field(max_length=50)]``.
SafeStr = Annotated[str, AfterValidator(_no_control_characters)]


def parse_pk(value: object) -> int | None:
    """A database id typed into a form or query string, or None: ASCII digits within
    BIGINT. ``str.isdigit`` alone lets through "²" (``int()`` refuses it) and numbers
    SQLite cannot even compare."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_PK:
        return None
    return int(text)


# An object id in a path: positive and within BIGINT, so a garbage id is a 422 and a
# probe with a huge number never reaches the database.
PathId = Annotated[int, param_functions.Path(..., ge=1, le=MAX_PK)]
BodyId = Annotated[int, Field(ge=1, le=MAX_PK)]


class PageOut(Schema):
    """The envelope of list endpoints; each list subclasses it with its ``items``."""

    count: int = Field(description="符合条件的总数")
    limit: int
    offset: int
