"""The queued intake: the second door for raising a case (``POST /api/v1/cases/intake``).

The synchronous door (``services.case_create``) numbers, routes and notifies inside the
request. This one accepts first and raises after, the way a 12345 hotline or Open311's
``token`` does: the request checks the input with the same rules and error codes as
``case_create`` and writes one row (``CaseIntake``) — committed before the answer, so a
crash after the 202 loses nothing. The worker then claims pending intakes in batches and
raises each through the real ``case_create`` as its submitter.

Guarantees:

- A retry with the same ``Idempotency-Key`` finds the first row through the unique
  (submitter, key) index and gets the first answer; the same key with another request
  is 422 ``idempotency_key_reused`` (the rule of ``apikit.idempotency``).
- Each intake becomes at most one case. A worker claims rows with a conditional UPDATE
  (``SKIP LOCKED`` on PostgreSQL, so workers take disjoint batches) stamped with its
  token; it finishes a row only while the row still carries that token, in the same
  transaction as the case. A claim whose holder is dead (``cases/services/workers.py``: its pid
  gone from this host, or silent past the heartbeat limit) is taken over by the next
  round, and any claim older than ``LEASE``, so a crashed worker's batch is raised by the
  next one.
- An intake whose case cannot be raised any more (the place or category changed since
  it was accepted, a missing routing rule) is ``rejected`` with the service's code and
  message, and the submitter is told through the notifications outbox."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from shequgang.apikit.idempotency import check_same_request, request_fingerprint
from shequgang.cases import services
from shequgang.cases.models import CaseIntake, Category, IntakeStatus, Source, WorkerProcess
from shequgang.cases.services import notifications
from shequgang.cases.services.workers import claimed_by_dead, workers_reap
from shequgang.errors import DomainError, NotFound
from shequgang.people import pii
from shequgang.people.phones import normalize_phone
from shequgang.people.roles import Perm
from shequgang.people.scope import place_in_scope
from shequgang.places.models import Place
from shequgang.row_insert import RowInsert

log = logging.getLogger("shequgang.intake")

OPERATION = "case.intake"
# A claim older than this is taken to belong to a worker that died mid-batch (the last
# resort: a dead worker is usually found at once, see cases/services/workers.py).
LEASE = dt.timedelta(minutes=5)
# Claims after which an intake that keeps failing (not for its input) is given up.
MAX_ATTEMPTS = 5


# --- Accepting ------------------------------------------------------------------------------


def intake_accept(
    *,
    submitter: User,
    category: str,
    place: int,
    title: str,
    source: str = Source.RESIDENT,
    description: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    raiser_name: str = "",
    raiser_phone: str = "",
    anonymous: bool = False,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> CaseIntake:
    """Check a report the way ``case_create`` would and queue it with one INSERT.

    Raises, writing nothing, the errors ``case_create`` raises for the same input: 404
    for a missing place or one a staff ``source`` may not raise over, ``invalid_category``
    (missing, inactive or not a leaf), ``invalid_place`` (not a community or below),
    the text codes of ``services.case_texts`` (``title_required``, ``title_too_long``
    …), ``invalid_phone``. With ``idempotency_key``, returns the row the
    first request with that key wrote (422 ``idempotency_key_reused`` if it was another
    request). The routing (``no_department``) and the county are left to the worker."""
    fields = {
        "category": category,
        "place": place,
        "title": title,
        "description": description,
        "latitude": latitude,
        "longitude": longitude,
        "raiser_name": raiser_name,
        "raiser_phone": raiser_phone,
        "anonymous": anonymous,
        "source": source,
    }
    digest = request_fingerprint(fields)
    where, category_id = _place_and_leaf(place=place, category=category)
    if where is None:
        raise NotFound("地点")
    # Checks in case_create's order, so input with several faults gets its code.
    if category_id is None:
        raise DomainError("invalid_category", "请选择具体的事项小类")
    if where.kind not in services.CASE_PLACE_KINDS:
        raise DomainError("invalid_place", "事项地点应为社区、小区、楼栋、单元或户")
    # A resident raises for themself anywhere; every other door the API offers is a
    # staff one and needs ``case.raise`` over the place (404 when not, as for a read).
    if source != Source.RESIDENT and not place_in_scope(submitter, Perm.CASE_RAISE, where):
        raise NotFound("地点")
    services.case_texts(title=title, description=description, raiser_name=raiser_name)
    phone_cipher = pii.encrypt(normalize_phone(raiser_phone)) if raiser_phone.strip() else ""
    payload = {
        **fields,
        "category": category_id,
        "place": where.pk,
        "raiser_phone_cipher": phone_cipher,
    }
    del payload["raiser_phone"]
    row = CaseIntake(
        submitter=submitter,
        idempotency_key=idempotency_key or "",
        request_hash=digest,
        payload=payload,
        created_at=now or timezone.now(),
    )
    try:
        _insert(row)
    except IntegrityError:
        if not idempotency_key:
            raise
        # The first request with this key was here before us.
        first = CaseIntake.objects.get(submitter=submitter, idempotency_key=idempotency_key)
        check_same_request(stored=(OPERATION, first.request_hash), given=(OPERATION, digest))
        return first
    return row


# The checks' one read, for both the place and the category: the place's row (only what
# the checks read) and the id of the category if it is an active 小类 — one without any
# children, as case_create requires. One statement, one round trip; written out in SQL
# because compiling the equivalent querysets cost more CPU than running them (the same
# trade as ``people.services.api_token_user``). ``category.code`` is unique.
_PLACE_COLUMNS = [
    f for f in Place._meta.concrete_fields if f.attname in {"id", "kind", "path", "grid_id"}
]
_CATEGORIES = Category._meta.db_table
_CHECK_SQL = (
    f"SELECT {', '.join(f'p.{f.column}' for f in _PLACE_COLUMNS)}, ("
    f"SELECT c.id FROM {_CATEGORIES} c WHERE c.code = %s AND c.active AND NOT EXISTS "
    f"(SELECT 1 FROM {_CATEGORIES} k WHERE k.parent_id = c.id)"
    f") FROM {Place._meta.db_table} p WHERE p.id = %s"
)


def _place_and_leaf(*, place: int, category: str) -> tuple[Place | None, int | None]:
    """The place (None if missing) and the id of the leaf category (None if missing,
    inactive or not a leaf)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, [category, place])
        row = cursor.fetchone()
    if row is None:
        return None, None
    where = Place.from_db(connection.alias, [f.attname for f in _PLACE_COLUMNS], row[:-1])
    return where, row[-1]


# The one write: every column of the model, each value prepared by its field as
# ``save()`` would, in a statement built once (shequgang/row_insert.py).
_INTAKE_INSERT = RowInsert(CaseIntake)


def _insert(row: CaseIntake) -> None:
    # Outside a transaction the INSERT commits on its own, one round trip, before the
    # 202 is sent; inside one (a caller's block, the tests) a savepoint keeps a duplicate
    # key from spoiling the caller's transaction.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint:
        _INTAKE_INSERT.insert(row)


def intake_of(*, user: User, intake_id: int) -> CaseIntake:
    """The submitter's own intake; anyone else's is the same 404 as a missing one."""
    found = (
        CaseIntake.objects.select_related("case")
        .filter(pk=intake_id, submitter=user)
        .only("status", "error_code", "error_message", "case__number")
        .first()
    )
    if found is None:
        raise NotFound("上报")
    return found


# --- Raising (the worker) -------------------------------------------------------------------


@dataclass
class IntakeReport:
    created: int = 0
    rejected: int = 0
    failed: int = 0  # left pending for a later round (an unexpected error)

    @property
    def done(self) -> int:
        return self.created + self.rejected + self.failed

    def __str__(self) -> str:
        return f"立案 {self.created}，未受理 {self.rejected}，待重试 {self.failed}"


class _ClaimLost(Exception):
    """Another worker took the intake over; undo what this one wrote."""


def _claim(
    *,
    batch: int,
    now: dt.datetime,
    lease: dt.timedelta,
    worker: WorkerProcess | None = None,
) -> tuple[uuid.UUID, list[int]]:
    token = uuid.uuid4()
    workers_reap(now=now, me=worker)
    claimable = CaseIntake.objects.filter(status=IntakeStatus.PENDING).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease) | claimed_by_dead()
    )
    with transaction.atomic():
        # PostgreSQL: concurrent workers skip each other's rows and take disjoint
        # batches. SQLite ignores the lock; its IMMEDIATE transactions run one at a time.
        ids = list(
            claimable.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            # Still conditional: a row finished or taken since the SELECT stays out.
            claimable.filter(pk__in=ids).update(
                claimed_by=token,
                claimed_by_worker=worker,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
    return token, ids


def intake_process_due(
    *,
    batch: int = 100,
    now: dt.datetime | None = None,
    lease: dt.timedelta = LEASE,
    worker: WorkerProcess | None = None,
) -> IntakeReport:
    """Claim up to ``batch`` pending intakes (as ``worker``, the registered process, so
    that they are taken over at once if it dies) and raise each as a case, each in its
    own transaction. The case carries the intake's time as its creation time: the report
    was made then, and its clocks run from then."""
    now = now or timezone.now()
    report = IntakeReport()
    token, ids = _claim(batch=batch, now=now, lease=lease, worker=worker)
    if not ids:
        return report
    intakes = list(
        CaseIntake.objects.filter(pk__in=ids, claimed_by=token)
        .select_related("submitter")
        .order_by("id")
    )
    categories = Category.objects.in_bulk({i.payload["category"] for i in intakes})
    places = Place.objects.in_bulk({i.payload["place"] for i in intakes})
    for intake in intakes:
        try:
            if intake.attempts > MAX_ATTEMPTS:
                raise DomainError("intake_failed", "系统多次未能受理该上报，请重新提交")
            _raise_case(intake, token=token, now=now, categories=categories, places=places)
            report.created += 1
        except _ClaimLost:
            continue
        except DomainError as exc:
            if _reject(intake, token=token, now=now, error=exc):
                report.rejected += 1
        except Exception:
            # Left claimed: the next claim after the lease tries again.
            log.exception("intake %s could not be raised", intake.pk)
            report.failed += 1
    return report


def _raise_case(
    intake: CaseIntake,
    *,
    token: uuid.UUID,
    now: dt.datetime,
    categories: dict[Any, Category],
    places: dict[Any, Place],
) -> None:
    p = intake.payload
    category, place = categories.get(p["category"]), places.get(p["place"])
    if category is None:
        raise DomainError("invalid_category", "请选择具体的事项小类")
    if place is None:
        raise NotFound("地点")
    cipher = p["raiser_phone_cipher"]
    with transaction.atomic():
        case = services.case_create(
            actor=intake.submitter,
            source=p["source"],
            category=category,
            place=place,
            title=p["title"],
            description=p["description"],
            latitude=p["latitude"],
            longitude=p["longitude"],
            raiser_name=p["raiser_name"],
            raiser_phone=pii.decrypt(cipher) if cipher else "",
            anonymous=p["anonymous"],
            now=intake.created_at,
        )
        finished = CaseIntake.objects.filter(
            pk=intake.pk, claimed_by=token, status=IntakeStatus.PENDING
        ).update(status=IntakeStatus.CREATED, case=case, processed_at=now)
        if not finished:
            raise _ClaimLost()


def _reject(intake: CaseIntake, *, token: uuid.UUID, now: dt.datetime, error: DomainError) -> bool:
    """Mark the intake rejected and tell the submitter, unless another worker took it."""
    with transaction.atomic():
        finished = CaseIntake.objects.filter(
            pk=intake.pk, claimed_by=token, status=IntakeStatus.PENDING
        ).update(
            status=IntakeStatus.REJECTED,
            error_code=error.code[:64],
            error_message=error.message[:500],
            processed_at=now,
        )
        if finished:
            notifications.notify(
                user_ids=[intake.submitter_id],
                case=None,
                title=f"上报未受理：{intake.payload['title']}",
                body=error.message,
            )
    return bool(finished)


# --- Housekeeping ---------------------------------------------------------------------------


def intake_purge(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete finished intakes older than the Idempotency-Key window, in batches: the
    case (or the rejection notification) carries on, and a retry that late would not be
    recognised anyway. Pending intakes are never purged. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted = 0
    while True:
        ids = list(
            CaseIntake.objects.filter(processed_at__lt=cutoff).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += CaseIntake.objects.filter(pk__in=ids).delete()[0]
