"""The insurer's roster, the counts and the budget: they reconcile, full ID numbers go only
to those allowed, and every export is in the audit log."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from shequgang.audit.models import AuditEntry
from shequgang.errors import Forbidden, NotFound
from shequgang.people import pii
from shequgang.people.roles import Role
from shequgang.people.services import role_grant
from shequgang.spreadsheets.testing import (
    HOSTILE_FORMULA,
    cell_with,
    formula_cells,
    workbook_cells,
)
from shequgang.veterans.access import scoped_applications
from shequgang.veterans.demo import DEMO_SIZE, veterans_demo_load
from shequgang.veterans.models import Application, Status
from shequgang.veterans.roster import HEADER, roster_export
from shequgang.veterans.selectors import application_counts, program_budget
from shequgang.veterans.services import application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant


@pytest.fixture
def demo(program):
    result = veterans_demo_load()
    assert result.created == DEMO_SIZE
    return result


def roster_rows(file):
    sheet = load_workbook(io.BytesIO(file.content), read_only=True)["参保人员名单"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = rows.index(tuple(HEADER))
    body, total = rows[header_at + 1 : -1], rows[-1]
    return [dict(zip(HEADER, r, strict=True)) for r in body], total


def test_demo_roster_reconciles_with_counts_and_budget(program, demo, world):
    admin = world.users["city_admin"]
    file = roster_export(actor=admin, program=program, full=True)
    rows, total = roster_rows(file)
    everything = scoped_applications(admin)
    counts = application_counts(program=program, applications=everything)
    budget = program_budget(program=program, applications=everything)

    accepted = Application.objects.filter(program=program, status=Status.ACCEPTED).count()
    assert accepted == DEMO_SIZE - demo.withdrawn > 0
    # Roster rows = the counts' total = the accepted applications.
    assert len(rows) == counts.total == accepted == budget.accepted == file.rows
    # Each county row adds up, and so does each group column.
    by_county: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for r in rows:
        by_county[r["户籍所在县（市、区）"]] = by_county.get(r["户籍所在县（市、区）"], 0) + 1
        by_group[r["人员类别"]] = by_group.get(r["人员类别"], 0) + 1
    assert {row.name: row.total for row in counts.rows if row.total} == by_county
    assert {
        g.name: n for g, n in zip(counts.groups, counts.column_totals, strict=True) if n
    } == by_group
    assert len(counts.rows) == 13
    # The budget is the sum of the roster's premiums: accepted × 60 yuan.
    premiums = sum(Decimal(str(r["保费（元）"])) for r in rows)
    assert premiums == budget.total == Decimal("60.00") * accepted
    assert total[0] == "合计" and Decimal(str(total[-1])) == budget.total
    # Withdrawn applications are on none of them.
    withdrawn_refs = set(
        Application.objects.filter(status=Status.WITHDRAWN).values_list("reference", flat=True)
    )
    assert len(withdrawn_refs) == demo.withdrawn
    assert not withdrawn_refs & {r["受理编号"] for r in rows}


def test_summary_sheet_carries_the_same_figures(program, demo, world):
    file = roster_export(actor=world.users["city_admin"], program=program)
    sheet = load_workbook(io.BytesIO(file.content), read_only=True)["统计与资金"]
    values = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert values["已受理人数"] == file.rows
    assert Decimal(str(values["保费合计（元）"])) == file.budget.total


def test_full_roster_has_real_id_numbers_and_is_audited(program, demo, world):
    admin = world.users["city_admin"]
    file = roster_export(actor=admin, program=program, full=True)
    rows, _ = roster_rows(file)
    by_ref = {a.reference: a for a in Application.objects.filter(status=Status.ACCEPTED)}
    for r in rows:
        app = by_ref[r["受理编号"]]
        assert r["身份证号码"] == pii.decrypt(app.id_number_cipher)
        assert "*" not in r["身份证号码"] and "*" not in r["联系电话"]
    entry = AuditEntry.objects.get(action="veterans.roster_export")
    assert entry.actor == admin
    assert entry.changes["rows"] == [None, len(rows)]
    assert entry.changes["full"] == [None, True]


def test_county_without_a_full_data_grant_gets_a_masked_roster_of_its_county(program, demo, world):
    county = world.users["county_a_command"]
    with pytest.raises(Forbidden):
        roster_export(actor=county, program=program, full=True)
    file = roster_export(actor=county, program=program)
    rows, _ = roster_rows(file)
    assert rows and {r["户籍所在县（市、区）"] for r in rows} == {"离石区"}
    assert all("*" in r["身份证号码"] and "*" in r["联系电话"] for r in rows)
    # The masked roster shows the birth year only: the date is part of the ID number.
    assert all(len(str(r["出生日期"])) == 4 for r in rows)
    assert (
        file.rows
        == Application.objects.filter(status=Status.ACCEPTED, registration_code="141102").count()
    )
    entries = AuditEntry.objects.filter(action="veterans.roster_export", actor=county)
    assert [e.changes["full"] for e in entries] == [[None, False]]
    assert entries[0].changes["counties"] == [None, "141102"]


def test_county_with_a_full_data_grant_exports_its_county_in_full(program, demo, world):
    user = User.objects.create_user("lishi_pii", password="x")
    role_grant(
        actor=world.admin,
        user=user,
        role=Role.COUNTY_COMMAND,
        place=world.county_a,
        may_view_full_pii=True,
    )
    file = roster_export(actor=user, program=program, full=True)
    rows, _ = roster_rows(file)
    assert rows and all("*" not in r["身份证号码"] for r in rows)
    # Not another county's.
    with pytest.raises(NotFound):
        roster_export(actor=user, program=program, county="141182")


@pytest.mark.parametrize("persona", ["secretary_a", "worker_a", "town_a_staff", "nobody"])
def test_desk_staff_cannot_export(program, demo, world, persona):
    with pytest.raises(NotFound):
        roster_export(actor=world.users[persona], program=program)
    assert not AuditEntry.objects.filter(action="veterans.roster_export").exists()


def test_one_county_roster(program, demo, world):
    file = roster_export(actor=world.users["city_admin"], program=program, county="141182")
    rows, _ = roster_rows(file)
    assert {r["户籍所在县（市、区）"] for r in rows} == {"汾阳市"}
    assert file.rows == file.counts.total == len(rows)


def test_demo_load_is_idempotent(program, demo):
    again = veterans_demo_load()
    assert (again.created, again.skipped) == (0, DEMO_SIZE)
    assert Application.objects.count() == DEMO_SIZE


def test_typed_text_in_the_roster_is_text_never_a_formula(program, world):
    # Given a program whose title and insurer (typed by an administrator; applicants'
    # own fields are validated to letters and digits) start like formulas,
    program.title = HOSTILE_FORMULA
    program.insurer = "@承保公司"
    program.save(update_fields=["title", "insurer"])
    application_submit(actor=None, program=program, data=applicant(), now=IN_WINDOW)

    # when the full roster is exported,
    file = roster_export(actor=world.users["city_admin"], program=program, full=True)

    # then no cell of either sheet is a formula and both texts are quoted,
    assert formula_cells(file.content) == []
    assert cell_with(file.content, "HYPERLINK").value == "'" + HOSTILE_FORMULA + "参保人员名单"
    insurer = [c for c in workbook_cells(file.content) if c.value == "'@承保公司"]
    assert [c.sheet for c in insurer] == ["统计与资金"]
    # while the premiums stay numbers.
    rows, total = roster_rows(file)
    assert [Decimal(str(r["保费（元）"])) for r in rows] == [program.premium]
    assert isinstance(total[-1], int | float)
