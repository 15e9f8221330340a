"""A resident with data in the other apps: an account linked through a points account,
a case that account raised, a notification, an API token, and (on demand) veterans
applications under the resident's ID number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from shequgang.cases.models import Case, Category, Notification, Source
from shequgang.cases.services import case_create
from shequgang.people import pii
from shequgang.people.id_numbers import make_id_number
from shequgang.people.models import ApiToken, Resident
from shequgang.people.services import ResidentInput, api_token_issue, resident_update
from shequgang.points.ledger import person_account
from shequgang.points.models import Account
from shequgang.testing import World
from shequgang.veterans.models import Application
from shequgang.veterans.services import application_submit, application_withdraw
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, ensure_2026_program

# A veteran's ID number (born 1958, 离石区): eligible in the 2026 programme.
VETERAN_ID = make_id_number("141102", dt.date(1958, 3, 5), 77)
RAISER_PHONE = "13911112222"


@dataclass
class Subject:
    resident: Resident
    user: User
    case: Case
    account: Account
    token: ApiToken


@pytest.fixture
def subject(world: World) -> Subject:
    """Resident a1, with the veteran's ID number, and the account ``zhang`` tied to them
    by a points account in community A; zhang raised a case and has a notification."""
    resident = resident_update(
        actor=world.admin,
        resident=world.residents["a1"],
        data=ResidentInput(
            id_number=VETERAN_ID, address="山西省吕梁市离石区滨河北路1号", reason="补登"
        ),
    )
    user = User.objects.create_user("zhang", password="x", first_name="张", email="z@example.cn")
    account = person_account(community=world.community_a, user=user, resident=resident)
    case = case_create(
        actor=user,
        source=Source.RESIDENT,
        category=Category.objects.get(code="stairwell_light"),
        place=world.household_a1,
        title="楼道灯坏了",
        description="我是居民a1，灯坏了三天",
        raiser_name="居民a1",
        raiser_phone=RAISER_PHONE,
    )
    Notification.objects.create(
        recipient=user, case=case, title="您的事项已受理", deliver_after=case.created_at
    )
    token, _ = api_token_issue(actor=user, user=user, name="手机")
    return Subject(resident=resident, user=user, case=case, account=account, token=token)


def close_case(case: Case) -> None:
    """Given-step shortcut: the case finished its workflow (tested in cases)."""
    Case.objects.filter(pk=case.pk).update(status="closed")


def submit_application(world: World, *, withdrawn: bool = False) -> Application:
    program = ensure_2026_program()
    outcome = application_submit(
        actor=None, program=program, data=applicant(id_number=VETERAN_ID), now=IN_WINDOW
    )
    application = outcome.application
    if withdrawn:
        application = application_withdraw(
            actor=world.admin, application=application, reason="本人撤回", now=IN_WINDOW
        )
    return application


def plaintexts(resident: Resident) -> set[str]:
    values = {VETERAN_ID, RAISER_PHONE, "13800000001", "山西省吕梁市离石区滨河北路1号"}
    for cipher in (resident.id_number_cipher, resident.phone_cipher):
        if cipher:
            values.add(pii.decrypt(cipher))
    return values
