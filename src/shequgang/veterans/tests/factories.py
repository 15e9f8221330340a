"""Builders for the veterans' tests: Beijing-time instants, valid ID numbers and a valid
applicant to vary one field at a time, and the shipped 2026 program."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from typing import Any

from django.apps import apps

from shequgang.people.id_numbers import make_id_number
from shequgang.veterans.models import BEIJING, Program
from shequgang.veterans.services import ApplicationInput

_seq = itertools.count(1)


def beijing(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An instant given as Beijing wall-clock time: ``beijing(2026, 5, 1, 0, 0, 0)``."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


IN_WINDOW = beijing(2026, 6, 1, 9, 30)


def id_for(birth: dt.date, area: str = "141102") -> str:
    return make_id_number(area, birth, next(_seq) % 1000)


def applicant(**overrides: Any) -> ApplicationInput:
    """A veteran born in 1958, registered in 离石区, who consents: eligible in 2026."""
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": "张建国",
        "id_number": id_for(dt.date(1958, 3, 5)),
        "phone": f"139{12340000 + n:08d}",
        "certificate": f"LL2026{n:06d}",
        "group": "veteran",
        "registration_code": "141102",
        "consent": True,
    }
    fields.update(overrides)
    return ApplicationInput(**fields)


def ensure_2026_program() -> Program:
    """The shipped program. Transactional tests flush tables, data migrations included,
    so re-run the migration's own function rather than copying its data."""
    migration = importlib.import_module("shequgang.veterans.migrations.0002_program_2026")
    migration.add_2026(apps, None)
    return Program.objects.get(year=2026)
