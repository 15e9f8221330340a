"""Rolling a program over to next year: a draft with the same rules, groups and areas."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.errors import Conflict, Forbidden
from shequgang.people.scope import is_unrestricted
from shequgang.veterans.models import BEIJING, Program, ProgramArea, ProgramGroup


def _next_year_date(value: dt.date) -> dt.date:
    if (value.month, value.day) == (2, 29):
        return value.replace(year=value.year + 1, day=28)
    return value.replace(year=value.year + 1)


def _next_year(value: dt.datetime) -> dt.datetime:
    """The same wall-clock time in Beijing one year on."""
    local = value.astimezone(BEIJING)
    return dt.datetime.combine(_next_year_date(local.date()), local.timetz())


@transaction.atomic
def program_roll_over(*, actor: Actor, program: Program) -> Program:
    """A draft of next year's program: the same rules, groups and areas, with the window
    and birth cut-off moved one year on. Left unpublished for an administrator to check
    against the new notice. Raises ``program_exists`` if that year already exists."""
    if actor is None or not is_unrestricted(actor):
        raise Forbidden("只有市级管理员可以创建参保项目")
    year = program.year + 1
    if Program.objects.filter(year=year).exists():
        raise Conflict("program_exists", f"{year}年度参保项目已存在")
    new = Program.objects.create(
        year=year,
        title=program.title.replace(str(program.year), str(year)),
        issuer=program.issuer,
        notice="",
        opens_at=_next_year(program.opens_at),
        closes_at=_next_year(program.closes_at),
        born_on_or_before=_next_year_date(program.born_on_or_before),
        premium=program.premium,
        payer=program.payer,
        insurer=program.insurer,
        support_phone=program.support_phone,
        registration_rule=program.registration_rule,
        published=False,
    )
    ProgramGroup.objects.bulk_create(
        ProgramGroup(
            program=new,
            group_id=pg.group_id,
            age_limit_applies=pg.age_limit_applies,
            certificate_required=pg.certificate_required,
        )
        for pg in program.groups.all()
    )
    ProgramArea.objects.bulk_create(
        ProgramArea(program=new, code=a.code, name=a.name) for a in program.areas.all()
    )
    audit_record(
        actor=actor,
        action="veterans.program_roll_over",
        obj=new,
        changes={"year": [program.year, year]},
    )
    return new
