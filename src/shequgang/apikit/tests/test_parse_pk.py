"""Ids typed into forms and query strings: digits within BIGINT, nothing else."""

from __future__ import annotations

import pytest

from shequgang.apikit.schemas import MAX_PK, parse_pk


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        (" 42 ", 42),
        (str(MAX_PK), MAX_PK),
        (str(MAX_PK + 1), None),
        ("9" * 40, None),
        ("²", None),
        ("٣", None),
        ("1.5", None),
        ("-1", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_pk(value: object, expected: int | None) -> None:
    assert parse_pk(value) == expected
