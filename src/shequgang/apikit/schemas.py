from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


# Responses every authenticated endpoint may give, for the OpenAPI document.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
