"""Retention as data: each rule applied at its boundary (the day before, the day of, the
day after), set-wise, idempotent, one audit row per run, never touching case history or
the audit log."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from shequgang.apikit.models import IdempotencyRecord
from shequgang.audit.models import AuditEntry
from shequgang.cases.models import CaseEvent, Notification
from shequgang.people.models import Resident
from shequgang.privacy.models import Category, Erasure, RetentionRule
from shequgang.privacy.retention import purge_personal_data
from shequgang.veterans.models import Application
from shequgang.veterans.tests.factories import beijing

from .conftest import close_case, submit_application

NOW = dt.datetime(2030, 6, 15, 12, 0, tzinfo=dt.UTC)
# The day before the period ends, the day it ends, the day after.
BOUNDARY = [(-1, False), (0, True), (1, True)]


def _keep(category: str) -> dt.timedelta:
    return dt.timedelta(days=RetentionRule.objects.get(category=category).keep_days)


def _run(now: dt.datetime = NOW, **kw: bool) -> dict[str, tuple[int, int, int]]:
    return {o.category: (o.due, o.done, o.skipped) for o in purge_personal_data(now=now, **kw)}


def test_every_category_has_a_default_rule_with_a_basis(db):
    rules = {r.category: r for r in RetentionRule.objects.all()}
    assert set(rules) == set(Category.values)
    for rule in rules.values():
        assert rule.keep_days > 0 and "个人信息保护法" in rule.basis and rule.starts


@pytest.mark.parametrize(("days_over", "due"), BOUNDARY)
@pytest.mark.parametrize("status", ["moved_out", "deceased"])
def test_residents_who_left_are_anonymised_when_the_period_ends(world, status, days_over, due):
    # given resident a2 left the register exactly keep_days (± one day) before now
    category = f"resident_{status}"
    a2 = world.residents["a2"]
    left_at = NOW - _keep(category) - dt.timedelta(days=days_over)
    Resident.objects.filter(pk=a2.pk).update(status=status, left_at=left_at)

    # when the purge runs
    counts = _run()

    # then a2 is anonymised from the day the period ends, not before
    assert counts[category] == ((1, 1, 0) if due else (0, 0, 0))
    assert Erasure.objects.filter(resident=a2, rule=category).exists() is due
    assert (Resident.objects.get(pk=a2.pk).name == "居民a2") is not due
    # and active residents are never touched
    assert Resident.objects.get(pk=world.residents["a1"].pk).name == "居民a1"


def test_a_resident_with_an_open_case_is_skipped(world, subject):
    # given a1 moved out long ago but the case raised through their account is open
    Resident.objects.filter(pk=subject.resident.pk).update(
        status="moved_out", left_at=NOW - dt.timedelta(days=5000)
    )

    # when the purge runs, then again after the case is closed
    first = _run()
    close_case(subject.case)
    second = _run()

    # then it is left alone the first time and anonymised the second
    assert first["resident_moved_out"] == (1, 0, 1)
    assert second["resident_moved_out"] == (1, 1, 0)


@pytest.mark.parametrize(("days_over", "due"), BOUNDARY)
def test_finished_notifications_are_deleted_after_a_year(world, days_over, due):
    # given a delivered, a failed and an undelivered notification of the same age
    user = world.users["worker_a"]
    created = NOW - _keep("notifications") - dt.timedelta(days=days_over)
    rows = [
        Notification.objects.create(recipient=user, title=t, deliver_after=created, **kw)
        for t, kw in [
            ("送达", {"delivered_at": created}),
            ("失败", {"failed_at": created}),
            ("待发", {}),
        ]
    ]
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(created_at=created)

    # when the purge runs
    counts = _run()

    # then the finished ones go on the day the year ends; the pending one never
    left = set(Notification.objects.filter(recipient=user).values_list("title", flat=True))
    assert left == ({"待发"} if due else {"送达", "失败", "待发"})
    assert counts["notifications"][1] == (2 if due else 0)


@pytest.mark.parametrize(("days_over", "due"), BOUNDARY)
def test_idempotency_records_are_deleted_when_due(world, days_over, due):
    record = IdempotencyRecord.objects.create(
        user=world.admin, key="k", operation="x", request_hash="h", status_code=201, body={}
    )
    created = NOW - _keep("idempotency_records") - dt.timedelta(days=days_over)
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=created)

    _run()

    assert IdempotencyRecord.objects.filter(pk=record.pk).exists() is not due


@pytest.mark.parametrize(("days_over", "due"), BOUNDARY)
def test_login_records_are_deleted_when_due(world, days_over, due):
    # given a successful login, a failed one and a lockout counter, all as old as the rule
    # allows plus days_over (django-axes' tables: usernames and IP addresses)
    at = NOW - _keep("login_records") - dt.timedelta(days=days_over)
    fields = {"username": "chengdong_worker", "ip_address": "10.0.0.8", "user_agent": "x"}
    rows = [
        AccessLog.objects.create(**fields),
        AccessFailureLog.objects.create(**fields),
        AccessAttempt.objects.create(**fields, failures_since_start=2),
    ]
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(attempt_time=at)
    # when the purge runs
    counts = _run()
    # then they go on the day the period ends, not before
    left = [type(r).objects.filter(pk=r.pk).exists() for r in rows]
    assert left == [not due] * 3
    assert counts["login_records"][:2] == ((3, 3) if due else (0, 0))


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # 2026 programme: its year ends 2027-01-01 00:00 Beijing; kept 365 days more
        (beijing(2027, 12, 31, 0, 0), False),
        (beijing(2027, 12, 31, 23, 59, 59), False),
        (beijing(2028, 1, 1, 0, 0), True),
        (beijing(2028, 1, 2, 0, 0), True),
    ],
)
def test_withdrawn_applications_are_anonymised_a_year_after_the_programme_year(world, now, due):
    # given a withdrawn and an accepted application in the 2026 programme
    withdrawn = submit_application(world, withdrawn=True)
    accepted = submit_application(world)

    # when the purge runs
    _run(now=now)

    # then the withdrawn one loses its personal data from the boundary on; the accepted
    # one (the roster sent to the insurer) is never touched
    assert (Application.objects.get(pk=withdrawn.pk).id_number_cipher == "") is due
    assert Application.objects.get(pk=accepted.pk).id_number_cipher


def test_a_dry_run_counts_and_changes_nothing(world):
    # given one resident due
    a2 = world.residents["a2"]
    Resident.objects.filter(pk=a2.pk).update(
        status="moved_out", left_at=NOW - dt.timedelta(days=5000)
    )
    audits = AuditEntry.objects.count()

    # when the purge runs dry
    counts = _run(dry_run=True)

    # then it reports the resident due but changes nothing and logs nothing
    assert counts["resident_moved_out"] == (1, 0, 0)
    assert not Erasure.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_runs_are_idempotent_and_each_writes_one_audit_row(world, subject):
    # given a1 moved out long ago (case closed) and a2 too
    close_case(subject.case)
    for r in (subject.resident, world.residents["a2"]):
        Resident.objects.filter(pk=r.pk).update(
            status="moved_out", left_at=NOW - dt.timedelta(days=5000)
        )
    events = CaseEvent.objects.count()
    log = list(AuditEntry.objects.order_by("pk").values())

    # when the purge runs twice
    first = _run()
    second = _run()

    # then the first does the work, the second finds nothing left
    assert first["resident_moved_out"] == (2, 2, 0)
    assert second["resident_moved_out"] == (0, 0, 0)
    # and each run wrote one privacy.purge row with its counts; earlier rows unchanged
    runs = AuditEntry.objects.filter(action="privacy.purge").order_by("pk")
    assert [r.changes["resident_moved_out"] for r in runs] == [[2, 2], [0, 0]]
    assert list(AuditEntry.objects.filter(pk__lte=log[-1]["id"]).order_by("pk").values()) == log
    # and the case history is whole, the linked account stopped
    assert CaseEvent.objects.count() == events
    assert not User.objects.get(pk=subject.user.pk).is_active


def test_an_inactive_rule_is_not_applied(world):
    RetentionRule.objects.filter(category="resident_moved_out").update(active=False)
    a2 = world.residents["a2"]
    Resident.objects.filter(pk=a2.pk).update(
        status="moved_out", left_at=NOW - dt.timedelta(days=5000)
    )

    counts = _run()

    assert "resident_moved_out" not in counts
    assert not Erasure.objects.exists()


def test_the_command(world):
    a2 = world.residents["a2"]
    Resident.objects.filter(pk=a2.pk).update(
        status="moved_out", left_at=timezone.now() - dt.timedelta(days=5000)
    )
    out = io.StringIO()
    call_command("purge_personal_data", "--dry-run", stdout=out)
    assert "resident_moved_out: due 1" in out.getvalue()
    assert not Erasure.objects.exists()

    call_command("purge_personal_data", stdout=io.StringIO())

    assert Erasure.objects.filter(resident=a2).exists()
