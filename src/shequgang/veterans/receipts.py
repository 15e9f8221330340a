"""The anonymous door: a resident's own submission and status lookup, answered so that
nobody learns from it whether a person has applied.

Anyone may type any ID number, and an application reveals that its subject is a veteran
or a martyr's family member. So an anonymous submission that passes every rule is always
answered the same way — 202 and a receipt with a fresh reference — whether it enrolled
the person or repeated a live application:

- a new person: the application is written (as by ``services.application_submit``);
- a person already enrolled in the program: nothing is enrolled, the first accepted
  application stands; a ``RepeatSubmission`` row keeps the masked receipt for staff
  (a resident who pressed twice, or a stranger using someone's ID number).

Which of the two happened is decided by the unique index on the ID number's blind index
(the INSERT fails for a repeat), not by a read beforehand, so both paths issue the same
statements up to that INSERT and about as many after it. The receipt's status page (the
reference plus the last six ID characters) shows the receipt as accepted in both cases,
and the first application's own history only to the holder of its own reference."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.audit.services import audit_record
from shequgang.errors import NotFound
from shequgang.people import pii
from shequgang.veterans.access import REFERENCE_RE
from shequgang.veterans.eligibility import evaluate
from shequgang.veterans.models import (
    Application,
    EventKind,
    Program,
    RepeatSubmission,
    Status,
)
from shequgang.veterans.services import (
    ApplicationInput,
    application_build,
    application_log_submitted,
    mask_name,
    new_reference,
)

RECEIVED_MESSAGE = (
    "提交成功。每人每年度只能申报一次，如已提交过，以首次受理的申报为准；"
    "请记下受理编号，凭受理编号和身份证号码后6位查询进度，如需更正请联系所在社区"
)


@dataclass(frozen=True)
class ReceiptEvent:
    at: dt.datetime
    kind: str
    kind_label: str


@dataclass(frozen=True)
class Receipt:
    """What the anonymous applicant sees: nothing they did not type, masked."""

    reference: str
    program: Program
    status: str
    status_label: str
    masked_name: str
    id_number_masked: str
    group_name: str
    registration_name: str
    submitted_at: dt.datetime
    withdraw_reason: str
    events: tuple[ReceiptEvent, ...]

    @staticmethod
    def of_application(app: Application) -> Receipt:
        return Receipt(
            reference=app.reference,
            program=app.program,
            status=app.status,
            status_label=app.get_status_display(),
            masked_name=mask_name(app.name),
            id_number_masked=app.id_number_masked,
            group_name=app.group.name,
            registration_name=app.registration_name,
            submitted_at=app.submitted_at,
            withdraw_reason=app.withdraw_reason,
            events=tuple(
                ReceiptEvent(e.at, e.kind, e.get_kind_display()) for e in app.events.all()
            ),
        )

    @staticmethod
    def of_repeat(repeat: RepeatSubmission) -> Receipt:
        return Receipt(
            reference=repeat.reference,
            program=repeat.program,
            status=Status.ACCEPTED,
            status_label=Status.ACCEPTED.label,
            masked_name=repeat.name_masked,
            id_number_masked=repeat.id_number_masked,
            group_name=repeat.group.name,
            registration_name=repeat.registration_name,
            submitted_at=repeat.submitted_at,
            withdraw_reason="",
            events=(
                ReceiptEvent(repeat.submitted_at, EventKind.SUBMITTED, EventKind.SUBMITTED.label),
            ),
        )


def _tail_digest(reference: str, tail: str) -> str:
    return pii.blind_index("veterans_receipt_tail", f"{reference}:{tail.upper()}")


@transaction.atomic
def application_submit_anonymous(
    *, program: Program, data: ApplicationInput, now: dt.datetime | None = None
) -> Receipt:
    """A resident's own submission. Raises the first failing rule's DomainError for the
    facts given (never ``already_applied``); otherwise returns a receipt, enrolling the
    person unless they already hold a live application in ``program`` (then a
    ``RepeatSubmission`` is written instead). One audit entry either way."""
    now = now or timezone.now()
    data = replace(data, intake_place=None)
    result = evaluate(program=program, facts=data.facts, now=now, check_duplicate=False)
    result.raise_first()
    assert result.id_number is not None
    application = application_build(actor=None, program=program, data=data, result=result, now=now)
    for _attempt in range(3):
        application.reference = new_reference(program.year)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            # The random reference collided (vanishingly rare: try another), or the
            # person's live application exists (the unique index on the blind index).
            if Application.objects.filter(reference=application.reference).exists():
                continue
            return _repeat(application, id_value=result.id_number.value, now=now)
        application_log_submitted(application=application, actor=None, now=now)
        return Receipt.of_application(application)
    raise RuntimeError("could not allocate an application reference")


def _repeat(application: Application, *, id_value: str, now: dt.datetime) -> Receipt:
    repeat = RepeatSubmission.objects.create(
        program=application.program,
        reference=application.reference,
        id_number_index=application.id_number_index,
        id_number_masked=application.id_number_masked,
        id_tail_digest=_tail_digest(application.reference, id_value[-6:]),
        name_masked=mask_name(application.name),
        phone_masked=application.phone_masked,
        group=application.group,
        registration_name=application.registration_name,
        submitted_at=now,
    )
    audit_record(
        actor=None,
        action="veterans.repeat_submission",
        obj=repeat,
        changes={"reference": [None, repeat.reference], "group_id": [None, repeat.group_id]},
    )
    return Receipt.of_repeat(repeat)


def receipt_lookup(*, reference: str, id_tail: str) -> Receipt:
    """The receipt for ``reference`` when ``id_tail`` (the last six characters of the ID
    number) matches; the same NotFound for a wrong reference or a wrong tail. Reads both
    tables every time, so a repeat's receipt costs what an application's does."""
    ref = reference.strip().upper()
    tail = id_tail.strip().upper()
    if not REFERENCE_RE.match(ref) or len(tail) != 6:
        raise NotFound("申请")
    app = (
        Application.objects.select_related("program", "group")
        .prefetch_related("events")
        .filter(reference=ref)
        .first()
    )
    repeat = (
        RepeatSubmission.objects.select_related("program", "group").filter(reference=ref).first()
    )
    if app is not None:
        actual = pii.decrypt(app.id_number_cipher)[-6:]
        if hmac.compare_digest(actual.encode(), tail.encode()):
            return Receipt.of_application(app)
    elif repeat is not None and hmac.compare_digest(
        repeat.id_tail_digest.encode(), _tail_digest(ref, tail).encode()
    ):
        return Receipt.of_repeat(repeat)
    raise NotFound("申请")
