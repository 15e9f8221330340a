"""Text the databases can store, checked once at the edge.

A JSON string may carry a lone surrogate (``"\\ud800"``): Python accepts it, but neither
SQLite nor PostgreSQL can encode it, so it used to surface as a 500 deep inside a write.
PostgreSQL refuses NUL (``\\u0000``) in text outright. The API parser and the page
middleware refuse both with one error before any view runs; nothing else needs to care.
"""

from __future__ import annotations

from collections.abc import Iterable

from shequgang.errors import DomainError


class UnstorableText(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "invalid_text", "请求中含有无法保存的字符（空字符或不成对的代理字符）", status=400
        )


def text_storable(value: str) -> bool:
    """True when ``value`` has no NUL and encodes as UTF-8 (no lone surrogate)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def reject_unstorable(value: object) -> None:
    """Raise ``UnstorableText`` if any string in ``value`` (a JSON-like tree of dicts,
    lists and scalars, keys included) cannot be stored. Iterative: depth is no risk."""
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not text_storable(item):
                raise UnstorableText()
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


def strings_storable(values: Iterable[tuple[str, list[str]]]) -> bool:
    """For a ``QueryDict.lists()``: every name and value can be stored."""
    return all(text_storable(k) and all(text_storable(v) for v in vs) for k, vs in values)
