"""Fixtures for the veterans' enrolment tests."""

from __future__ import annotations

import pytest

from shequgang.veterans.models import Program
from shequgang.veterans.tests.factories import ensure_2026_program


@pytest.fixture
def program(db: None) -> Program:
    return ensure_2026_program()
