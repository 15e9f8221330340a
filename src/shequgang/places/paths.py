"""Materialized paths for the place tree.

A node's path is its parent's path plus one base-36 segment and a ``/``: the city is
``1/``, a county ``1/3/``, a compound ``1/3/a/1k/5/``. Every segment character sorts after
``/``, so the subtree of ``P`` is exactly the half-open range ``[P, P[:-1] + "0")`` under
byte-wise collation. The ``descendant`` lookup turns that into one indexed query:

- SQLite: a range on the column (BINARY collation, the b-tree index serves it);
- PostgreSQL: ``LIKE 'P%'``, served by the ``varchar_pattern_ops`` index Django creates
  beside every indexed CharField, whatever the database collation.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler

SEPARATOR = "/"
PATH_RE = re.compile(r"^(?:[0-9a-z]+/)+$")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_segment(number: int) -> str:
    """Base-36 segment for the ``number``-th child (1-based)."""
    if number < 1:
        raise ValueError("segments start at 1")
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = _DIGITS[rem] + out
    return out


def child_path(parent_path: str, number: int) -> str:
    return f"{parent_path}{encode_segment(number)}{SEPARATOR}"


def subtree_upper_bound(path: str) -> str:
    """The first string after every path that starts with ``path``."""
    _check(path)
    return path[:-1] + chr(ord(SEPARATOR) + 1)


def _check(path: object) -> str:
    if not isinstance(path, str) or not PATH_RE.match(path):
        raise ValueError(f"not a place path: {path!r}")
    return path


def ancestor_paths(path: str) -> list[str]:
    """Paths of every ancestor of ``path`` and of ``path`` itself, root first."""
    parts = path.split(SEPARATOR)[:-1]
    return [SEPARATOR.join(parts[: i + 1]) + SEPARATOR for i in range(len(parts))]


class PathField(models.CharField):  # type: ignore[type-arg]
    """A CharField holding a materialized path, queryable with ``__descendant``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


@PathField.register_lookup
class Descendant(Lookup):  # type: ignore[type-arg]
    """``path__descendant=P``: the node at ``P`` and every node below it."""

    lookup_name = "descendant"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = _check(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [
            *lhs_params,
            prefix,
            *lhs_params,
            subtree_upper_bound(prefix),
        ]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # _check allows [0-9a-z/] only: nothing in the prefix needs LIKE escaping.
        return f"{lhs} LIKE %s", [*lhs_params, f"{_check(self.rhs)}%"]
