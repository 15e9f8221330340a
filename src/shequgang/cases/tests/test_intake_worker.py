"""The worker raises queued intakes: the case is the one POST /cases would have made;
a report that can no longer be raised is rejected with the service's code and the
submitter is told; a crashed worker's claim is taken over after the lease; concurrent
workers raise each intake exactly once; finished intakes are purged; the dashboard
tallies stay equal to a recount."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from shequgang.apikit.testing import API_PREFIX, api_client
from shequgang.cases.engine.deadlines import Clocks, clocks_for
from shequgang.cases.intake import services as queue
from shequgang.cases.intake.services import LEASE, MAX_ATTEMPTS, intake_accept, intake_process_due
from shequgang.cases.models import (
    Case,
    CaseEvent,
    CaseIntake,
    Category,
    IntakeStatus,
    Notification,
)
from shequgang.people.models import RoleAssignment
from shequgang.testing import build_world

from .conftest import PHONE, form_post, intake_form

pytestmark = pytest.mark.django_db


def report(world, user="nobody", **fields):
    return intake_form(world, **fields), user


def via_sync(world, data, user):
    response = form_post(api_client(world.users[user]), "/cases", data)
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


def via_intake(world, data, user):
    response = form_post(api_client(world.users[user]), "/cases/intake", data)
    assert response.status_code == 202, response.content
    return response.json()


def status_of(world, accepted, user="nobody"):
    url = accepted["status_url"].removeprefix(API_PREFIX)
    response = api_client(world.users[user]).get(url)
    assert response.status_code == 200
    return response.json()


def shape(case):
    """Everything about a case that does not depend on when or how often it was raised."""
    start = case.created_at
    fields = [
        "source",
        "category_id",
        "place_id",
        "place_path",
        "county_code",
        "grid_id",
        "rung",
        "status",
        "handler_place_id",
        "handler_department_id",
        "dispatcher_place_id",
        "raiser_id",
        "raiser_name",
        "raiser_phone_masked",
        "anonymous",
        "title",
        "description",
        "latitude",
        "longitude",
    ]
    events = [
        (e.kind, e.actor_id, e.from_status, e.to_status, e.to_rung, e.reason, e.data, e.at - start)
        for e in case.events.order_by("id")
    ]
    notes = sorted(
        (n.recipient_id, n.title.split("：")[0], n.body)
        for n in Notification.objects.filter(case=case)
    )
    # The clocks run from the case's own creation time, as case_create sets them.
    clocks = clocks_for(category=case.category, start=start) == Clocks(
        ack_due_at=case.ack_due_at, warn_at=case.warn_at, resolve_due_at=case.resolve_due_at
    )
    return {f: getattr(case, f) for f in fields}, events, notes, clocks


# --- Raising --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "fields"),
    [
        ("nobody", {"description": "三楼", "raiser_phone": PHONE, "anonymous": "true"}),
        ("nobody", {"category": "neighbour_dispute", "latitude": "37.52", "longitude": "111.14"}),
        ("grid_a1", {"source": "grid_patrol", "raiser_name": "王大爷", "raiser_phone": PHONE}),
    ],
)
def test_the_worker_raises_the_case_the_synchronous_door_would(world, user, fields):
    data, user = report(world, user, **fields)
    accepted = via_intake(world, data, user)
    assert status_of(world, accepted, user)["status"] == "pending"
    assert intake_process_due().created == 1
    queued = Case.objects.get()
    sync = via_sync(world, data, user)
    assert shape(queued) == shape(sync)
    assert shape(queued)[3] is True
    assert queued.number != sync.number
    done = status_of(world, accepted, user)
    assert done == {
        "intake_id": accepted["intake_id"],
        "status": "created",
        "case_id": queued.pk,
        "case_number": queued.number,
        "code": None,
        "message": None,
    }
    # The submitter sees the case like one raised at once.
    detail = api_client(world.users[user]).get(f"/cases/{queued.pk}")
    assert detail.status_code == 200 and detail.json()["number"] == queued.number


def test_the_case_is_dated_when_the_report_was_made(world):
    reported = timezone.now() - dt.timedelta(minutes=3)
    data, _ = report(world)
    intake_accept(submitter=world.users["nobody"], now=reported, **data)
    intake_process_due()
    case = Case.objects.get()
    assert case.created_at == reported
    assert case.events.get(kind="created").at == reported


def test_a_round_takes_a_batch_and_the_next_round_the_rest(world):
    data, _ = report(world)
    for i in range(5):
        intake_accept(submitter=world.users["nobody"], **{**data, "title": f"第{i}件"})
    assert intake_process_due(batch=3).created == 3
    assert intake_process_due(batch=3).created == 2
    assert intake_process_due(batch=3).done == 0
    titles = list(Case.objects.order_by("id").values_list("title", flat=True))
    assert titles == [f"第{i}件" for i in range(5)]  # in the order they were reported


# --- Rejecting ------------------------------------------------------------------------------


def test_a_report_that_can_no_longer_be_raised_is_rejected_and_the_submitter_told(world):
    data, _ = report(world)
    accepted = via_intake(world, data, "nobody")
    # Between intake and processing the category was withdrawn.
    Category.objects.filter(code="stairwell_light").update(active=False)
    round_ = intake_process_due()
    assert (round_.created, round_.rejected) == (0, 1)
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    seen = status_of(world, accepted)
    assert seen["status"] == "rejected" and seen["case_id"] is None
    assert seen["code"] == "invalid_category" and seen["message"] == "请选择具体的事项小类"
    note = Notification.objects.get()
    assert (note.recipient, note.case, note.body) == (
        world.users["nobody"],
        None,
        "请选择具体的事项小类",
    )
    assert "楼道灯坏了" in note.title
    # Rejected is final: later rounds leave it alone.
    Category.objects.filter(code="stairwell_light").update(active=True)
    assert intake_process_due(now=timezone.now() + LEASE * 2).done == 0
    assert Notification.objects.count() == 1


def test_staff_who_lost_their_scope_get_the_same_404_code(world):
    data, user = report(world, "grid_a1", source="grid_patrol")
    accepted = via_intake(world, data, user)
    RoleAssignment.objects.filter(user=world.users["grid_a1"]).update(revoked_at=timezone.now())
    assert intake_process_due().rejected == 1
    assert status_of(world, accepted, user)["code"] == "not_found"


def test_a_place_deleted_meanwhile_is_rejected_not_lost(world):
    data, _ = report(world)
    accepted = via_intake(world, data, "nobody")
    CaseIntake.objects.update(payload={**CaseIntake.objects.get().payload, "place": 999_999})
    assert intake_process_due().rejected == 1
    assert status_of(world, accepted)["code"] == "not_found"


def test_an_intake_that_keeps_failing_is_retried_then_given_up(world):
    data, _ = report(world, raiser_phone=PHONE)
    accepted = via_intake(world, data, "nobody")
    # Something that is not the input's fault: a phone no configured key can decrypt.
    CaseIntake.objects.update(
        payload={**CaseIntake.objects.get().payload, "raiser_phone_cipher": "x"}
    )
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        assert intake_process_due(now=now).failed == 1
        assert intake_process_due(now=now + LEASE / 2).done == 0  # still claimed
        assert status_of(world, accepted)["status"] == "pending"
        now += LEASE + dt.timedelta(seconds=1)
    assert intake_process_due(now=now).rejected == 1
    assert status_of(world, accepted)["code"] == "intake_failed"
    assert CaseIntake.objects.get().attempts == MAX_ATTEMPTS + 1
    assert Case.objects.count() == 0


# --- Claims ---------------------------------------------------------------------------------


def test_a_crashed_workers_claim_is_taken_over_after_the_lease(world):
    data, _ = report(world)
    intake_accept(submitter=world.users["nobody"], **data)
    now = timezone.now()
    # A worker claims the batch and dies before raising anything.
    _token, ids = queue._claim(batch=10, now=now, lease=LEASE)
    assert len(ids) == 1
    assert intake_process_due(now=now + LEASE - dt.timedelta(seconds=1)).done == 0
    assert intake_process_due(now=now + LEASE + dt.timedelta(seconds=1)).created == 1
    row = CaseIntake.objects.get()
    assert (row.status, row.attempts, Case.objects.count()) == (IntakeStatus.CREATED, 2, 1)


def test_a_worker_whose_claim_was_taken_over_writes_nothing(world):
    data, _ = report(world)
    intake_accept(submitter=world.users["nobody"], **data)
    now = timezone.now()
    slow_token, _ = queue._claim(batch=10, now=now, lease=LEASE)
    slow_view = CaseIntake.objects.select_related("submitter").get()
    # The lease runs out; another worker raises it.
    assert intake_process_due(now=now + LEASE * 2).created == 1
    # The slow worker wakes up and tries to finish its copy.
    category = Category.objects.get(pk=slow_view.payload["category"])
    with pytest.raises(queue._ClaimLost):
        queue._raise_case(
            slow_view,
            token=slow_token,
            now=now,
            categories={category.pk: category},
            places={world.household_a1.pk: world.household_a1},
        )
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_raise_each_intake_exactly_once():
    world = build_world()
    data, _ = report(world)
    total = 24
    for i in range(total):
        intake_accept(submitter=world.users["nobody"], **{**data, "title": f"第{i}件"})
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            while intake_process_due(batch=3).done:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(CaseIntake.objects.values_list("status", "case_id"))
    assert {s for s, _ in rows} == {IntakeStatus.CREATED}
    assert len({c for _, c in rows}) == total
    assert Case.objects.count() == total
    assert CaseEvent.objects.filter(kind="created").count() == total
    assert sorted(Case.objects.values_list("title", flat=True)) == sorted(
        f"第{i}件" for i in range(total)
    )


# --- Tallies, commands and housekeeping -----------------------------------------------------


def test_tallies_stay_equal_to_a_recount(world):
    data, _ = report(world)
    for i in range(3):
        via_intake(world, {**data, "title": f"第{i}件"}, "nobody")
    via_intake(world, {**data, "place": world.household_b.pk}, "nobody")
    via_intake(world, {**data, "category": "neighbour_dispute"}, "nobody")
    intake_process_due()
    assert Case.objects.count() == 5
    call_command("recount_tallies", "--check", stdout=io.StringIO())  # exits 1 if not equal


def test_process_intake_once_drains_the_queue(world, monkeypatch):
    monkeypatch.setattr(
        "shequgang.cases.management.commands.process_intake.close_old_connections", lambda: None
    )
    data, _ = report(world)
    for i in range(5):
        intake_accept(submitter=world.users["nobody"], **{**data, "title": f"第{i}件"})
    out = io.StringIO()
    call_command("process_intake", "--once", "--batch", "2", stdout=out)
    assert Case.objects.count() == 5 and "立案 2" in out.getvalue()


@override_settings(IDEMPOTENCY_KEEP_HOURS=48)
def test_a_worker_round_raises_intakes_and_purges_old_finished_ones(world, monkeypatch):
    # The round begins by closing stale connections, which would close the test's own.
    monkeypatch.setattr(
        "shequgang.cases.management.commands.worker.close_old_connections", lambda: None
    )
    data, _ = report(world)
    user = world.users["nobody"]
    old, recent, waiting = (
        intake_accept(submitter=user, **{**data, "title": t}) for t in ("旧", "近", "等")
    )
    intake_process_due(batch=2)  # old and recent become cases
    CaseIntake.objects.filter(pk=old.pk).update(
        processed_at=timezone.now() - dt.timedelta(hours=49)
    )
    # A pending intake is never purged, however old.
    CaseIntake.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert set(CaseIntake.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert CaseIntake.objects.get(pk=waiting.pk).status == IntakeStatus.CREATED
    assert Case.objects.count() == 3
    assert "intake: purged 1" in out.getvalue() and "立案 1" in out.getvalue()
