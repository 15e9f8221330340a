"""Request bodies are JSON objects. Anything else (an array, a bare string, bytes that are
not UTF-8, ``NaN``) is refused before validation as ``malformed_request``; text the
databases cannot store (a lone surrogate, NUL) anywhere in a body, form or query string
is refused as ``invalid_text`` (see ``shequgang.storable``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from shequgang.storable import reject_unstorable


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # Strict UTF-8: json.loads(bytes) would also guess UTF-16/32.
        data = json.loads(request.body.decode("utf-8"), parse_constant=_not_json)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        # ninja wraps anything raised here in a 400 HttpError; the error handler answers
        # with this error's own code (apikit/errors.py).
        reject_unstorable(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        # Query strings and form fields; uploaded files are not text and pass as they are.
        for key, values in data.lists():
            reject_unstorable([key, *(v for v in values if isinstance(v, str))])
        return super().parse_querydict(data, list_fields, request)
