"""Demo applications for the 2026 program: a fixed, reproducible set across the 13
counties and the four groups, a few of them withdrawn. Loaded by ``shequgang loadveterans``
(and by the demo city's loader); running it again adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from shequgang.people.id_numbers import make_id_number
from shequgang.people.services import id_number_index
from shequgang.veterans.models import Application, Program
from shequgang.veterans.services import (
    ApplicationInput,
    application_submit,
    application_withdraw,
)

DEMO_YEAR = 2026
DEMO_SIZE = 60
# Every WITHDRAW_EVERY-th application is withdrawn again by staff.
WITHDRAW_EVERY = 9

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
# Given names by sex, to agree with the ID number's sequence digit (odd = male).
_GIVEN_MALE = ["建国", "建军", "卫东", "志强", "国庆", "德胜", "保国", "振华", "永平", "长顺"]
_GIVEN_FEMALE = ["秀英", "桂兰", "玉梅", "红梅", "淑珍", "凤英", "文华", "金凤", "翠兰", "爱莲"]
# Veterans are most of those covered; the survivor groups are fewer.
_GROUP_WEIGHTS = [
    ("veteran", 70),
    ("martyr_survivor", 8),
    ("duty_death_survivor", 10),
    ("illness_death_survivor", 12),
]


@dataclass(frozen=True)
class DemoResult:
    created: int
    withdrawn: int
    skipped: int


def _people(program: Program) -> list[tuple[ApplicationInput, dt.datetime]]:
    rng = random.Random(20260501)
    areas = list(program.areas.order_by("code").values_list("code", flat=True))
    groups, weights = zip(*_GROUP_WEIGHTS, strict=True)
    span = program.closes_at - program.opens_at
    out = []
    for i in range(DEMO_SIZE):
        area = areas[i % len(areas)]
        # One in five was born elsewhere: the ID number's area is not where they are
        # registered now.
        id_area = "140102" if i % 5 == 4 else area
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 36))
        birth = min(birth, program.born_on_or_before)
        sequence = 100 + i
        id_number = make_id_number(id_area, birth, sequence)
        given = _GIVEN_MALE if sequence % 2 else _GIVEN_FEMALE
        submitted = program.opens_at + span * (i + 0.5) / (DEMO_SIZE + 2)
        submitted = submitted.replace(microsecond=0)
        data = ApplicationInput(
            name=rng.choice(_SURNAMES) + rng.choice(given),
            id_number=id_number,
            phone=f"139{35800000 + i * 37:08d}",
            certificate=f"{area}{DEMO_YEAR}{i + 1:05d}",
            group=rng.choices(groups, weights=weights)[0],
            registration_code=area,
            consent=True,
        )
        out.append((data, submitted))
    return out


@transaction.atomic
def veterans_demo_load() -> DemoResult:
    """Create the demo applications that do not exist yet (by ID number)."""
    program = Program.objects.filter(year=DEMO_YEAR).first()
    if program is None:
        return DemoResult(created=0, withdrawn=0, skipped=0)
    created = withdrawn = skipped = 0
    for i, (data, submitted) in enumerate(_people(program)):
        index = id_number_index(data.id_number)
        if Application.objects.filter(program=program, id_number_index=index).exists():
            skipped += 1
            continue
        outcome = application_submit(actor=None, program=program, data=data, now=submitted)
        created += 1
        if i % WITHDRAW_EVERY == WITHDRAW_EVERY - 1:
            application_withdraw(
                actor=None,
                application=outcome.application,
                reason="本人申请撤回（演示数据）",
                now=submitted + dt.timedelta(days=2),
            )
            withdrawn += 1
    return DemoResult(created=created, withdrawn=withdrawn, skipped=skipped)
