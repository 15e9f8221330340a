"""Request bodies are JSON objects. Anything else (an array, a bare string, bytes that are
not UTF-8 JSON) is refused before validation as ``malformed_request``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class JsonObjectParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data
