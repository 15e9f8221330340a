"""The tallies equal a full recount of the cases after every kind of write: services,
the sweep's set-wise UPDATEs, bulk_create, queryset.update, save() (the admin), delete."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.models import Case, Status
from shequgang.cases.services.sweep import run_sweep
from shequgang.dashboard import triggers
from shequgang.dashboard.models import StateTally
from shequgang.dashboard.recount import tallies_check, tallies_rebuild

from .conftest import assert_in_step


def _workflow(world, raise_case):
    resident, leader, branch = (
        world.users["nobody"],
        world.users["group_a1"],
        world.users["branch_a"],
    )
    a = raise_case(actor=resident)
    s.case_acknowledge(actor=leader, case=a)
    s.case_resolve(actor=leader, case=a, resolution="已修好")
    s.case_rate(actor=resident, case=a, solved=True, satisfaction="satisfied")
    b = raise_case(actor=resident, latitude=37.52, longitude=111.14)
    s.case_escalate(actor=leader, case=b, reason="需支部")
    s.case_acknowledge(actor=branch, case=b)
    s.case_resolve(actor=branch, case=b, resolution="好")
    s.case_rate(actor=resident, case=b, solved=False, satisfaction="unsatisfied")
    d = raise_case("neighbour_dispute", actor=resident)
    raise_case("street_light", place=world.household_b, actor=resident)
    dup = raise_case(actor=resident)
    s.case_merge(actor=world.users["secretary_a"], case=dup, into=a)
    return a, b, d


def test_triggers_are_installed(db):
    per_tally = 3
    extra = 1 if connection.vendor == "postgresql" else 0
    assert triggers.installed_count() == per_tally * len(triggers.TALLIES) + extra


def test_services_keep_tallies_in_step(world, raise_case):
    _workflow(world, raise_case)
    assert_in_step()
    assert StateTally.objects.filter(status=Status.MERGED).get().n == 1
    assert tallies_check() == []


def test_sweep_flags_and_escalations_keep_tallies_in_step(world, raise_case):
    old = timezone.now() - dt.timedelta(days=40)
    for _ in range(3):
        raise_case(actor=world.users["nobody"], now=old)
    raise_case("street_light", place=world.household_b, now=old)
    assert_in_step()
    report = run_sweep(now=timezone.now())
    assert report.ack_overdue + report.escalated + report.red_at_top > 0
    assert_in_step()
    # A red card is a tally flag: the sweep's stamp is a row write.
    assert StateTally.objects.filter(flags__gte=4).exclude(n=0).exists()


def test_bulk_paths_keep_tallies_in_step(world, raise_case):
    a, _b, _d = _workflow(world, raise_case)
    fields = {f.attname: getattr(a, f.attname) for f in Case._meta.concrete_fields}
    fields.pop("id")
    copies = []
    for i in range(25):
        row = dict(fields, number=f"X-{i}", grid_id=world.grid_a2.pk if i % 2 else None)
        row["created_at"] = a.created_at - dt.timedelta(days=9 * i, hours=i)
        row["status"] = ["submitted", "brand_new_status", "closed"][i % 3]
        copies.append(Case(**row))
    Case.objects.bulk_create(copies, batch_size=7)
    assert_in_step()
    # A set-wise UPDATE touching several tallied columns, and one touching none.
    Case.objects.filter(number__startswith="X-").exclude(status="closed").update(
        status="another_status", satisfaction="basic", resolved_rung=3, resolved_on_time=True
    )
    Case.objects.filter(number__startswith="X-").update(title="改个标题")
    assert_in_step()
    # save() of every column, as the admin does.
    c = Case.objects.get(number="X-4")
    c.county_code, c.handler_department_id = world.county_b.code, world.department.pk
    c.created_at = c.created_at - dt.timedelta(days=60)
    c.save()
    assert_in_step()
    Case.objects.filter(number__in=["X-1", "X-2", "X-3"]).delete()
    assert_in_step()
    assert tallies_check() == []


def test_recount_detects_tampering_and_rebuilds(world, raise_case):
    _workflow(world, raise_case)
    call_command("recount_tallies", "--check")  # equal: no exit
    row = StateTally.objects.exclude(n=0).first()
    assert row is not None
    StateTally.objects.filter(pk=row.pk).update(n=row.n + 1)
    StateTally.objects.create(county_code="999999", area_path="1/", status="x", flags=0, n=2)
    differences = tallies_check()
    assert {d.tally for d in differences} == {"state"}
    assert len(differences) == 2
    with pytest.raises(SystemExit) as exit_:
        call_command("recount_tallies", "--check")
    assert exit_.value.code == 1
    tallies_rebuild()
    assert tallies_check() == []
    assert_in_step()


def test_shanghai_week_and_month_boundaries(world, raise_case):
    # 2026-03-31 23:59 and 2026-04-01 00:00 Beijing time: different months; Sunday
    # 2026-03-29 23:59 and Monday 2026-03-30 00:00: different weeks.
    sh = dt.timezone(dt.timedelta(hours=8))
    for moment in (
        dt.datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=sh),
        dt.datetime(2026, 4, 1, 0, 0, tzinfo=sh),
        dt.datetime(2026, 3, 29, 23, 59, tzinfo=sh),
        dt.datetime(2026, 3, 30, 0, 0, tzinfo=sh),
    ):
        raise_case(actor=world.users["nobody"], now=moment)
    assert_in_step()


def test_admin_shows_tallies_read_only(world, raise_case):
    from django.test import Client

    raise_case(actor=world.users["nobody"])
    admin = world.users["city_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/dashboard/statetally/").status_code == 200
    assert client.get("/admin/dashboard/statetally/add/").status_code == 403
