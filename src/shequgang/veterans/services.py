"""Writes: checking, submitting, correcting and withdrawing applications, and rolling a
program over to the next year.

Every write runs in one transaction, appends an ``ApplicationEvent`` and an audit entry,
and takes the time from ``now`` (default ``timezone.now()``; tests pass an instant)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields
from shequgang.errors import Conflict, DomainError, Forbidden, NotFound
from shequgang.people import pii
from shequgang.people.masking import mask_id_number, mask_phone
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.scope import is_unrestricted
from shequgang.people.services import id_number_index
from shequgang.places.models import Place
from shequgang.text_rules import text_clean
from shequgang.veterans.access import REVIEW, may_submit_at, scoped_applications
from shequgang.veterans.eligibility import (
    ApplicantFacts,
    EligibilityResult,
    evaluate,
    normalize_certificate,
)
from shequgang.veterans.models import (
    ALLOWED_TRANSITIONS,
    Application,
    ApplicationEvent,
    Channel,
    EventKind,
    Program,
    Status,
)
from shequgang.veterans.selectors import live_application_for

# Names as people write them: Han characters, Latin letters, the middle dot of minority
# and foreign names. Also keeps spreadsheet formulas out of the roster.
_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z·•． ]{1,50}$")
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# Fields shown in events and audit entries; personal data only masked.
_AUDITED = [
    "name",
    "id_number_masked",
    "phone_masked",
    "certificate_masked",
    "group_id",
    "registration_code",
    "status",
]


# Columns a correction may write.
_CORRECTABLE = [
    "name",
    "phone_cipher",
    "phone_masked",
    "id_number_cipher",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "sex",
    "certificate_cipher",
    "certificate_masked",
    "group",
    "registration_code",
    "registration_name",
]


@dataclass(frozen=True)
class ApplicationInput:
    """A submission, as the form or API gives it."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    certificate: str = ""
    group: str = ""
    registration_code: str = ""
    consent: bool = False
    # Where staff take it (their community, town or county); None for residents.
    intake_place: Place | None = None

    @property
    def facts(self) -> ApplicantFacts:
        return ApplicantFacts(
            id_number=self.id_number,
            group=self.group,
            registration_code=self.registration_code,
            certificate=self.certificate,
        )


@dataclass(frozen=True)
class ApplicationCorrection:
    """Staff corrections; ``None`` leaves a field unchanged."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    certificate: str | None = None
    group: str | None = None
    registration_code: str | None = None


@dataclass(frozen=True)
class SubmitOutcome:
    application: Application
    # False when an identical earlier submission was returned instead (a client retry).
    created: bool


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value


def mask_certificate(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    keep = 2 if len(value) < 10 else 4
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_name(value: str) -> str:
    """For public pages: ``张三丰`` → ``张**``."""
    return value[:1] + "*" * (len(value) - 1) if value else ""


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise DomainError("name_required", "请填写姓名")
    if not _NAME.match(name):
        raise DomainError("invalid_name", "姓名只能包含汉字、字母和间隔号“·”，不超过50个字")
    return name


def new_reference(year: int) -> str:
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{year}-{chars[:4]}-{chars[4:]}"


def application_check(
    *,
    program: Program,
    data: ApplicationInput | ApplicantFacts,
    now: dt.datetime | None = None,
    check_duplicate: bool = False,
) -> EligibilityResult:
    """Explain, rule by rule, whether ``data`` is eligible for ``program`` at ``now``.
    Creates nothing and writes nothing. Judges only the facts given — not whether the
    person has applied — unless ``check_duplicate`` (staff pages): the public check must
    answer the same for a person who has applied as for one who has not."""
    facts = data.facts if isinstance(data, ApplicationInput) else data
    return evaluate(program=program, facts=facts, now=_now(now), check_duplicate=check_duplicate)


def _same_request(existing: Application, data: ApplicationInput, phone_e164: str) -> bool:
    """Whether ``data`` repeats ``existing`` exactly (a retry, not a second person using
    the same ID number)."""
    stored_cert = pii.decrypt(existing.certificate_cipher) if existing.certificate_cipher else ""
    return (
        existing.name == " ".join(data.name.split())
        and pii.decrypt(existing.phone_cipher) == phone_e164
        and stored_cert == normalize_certificate(data.certificate)
        and existing.group.code == data.group.strip()
        and existing.registration_code == data.registration_code.strip()
    )


def _event(
    application: Application,
    *,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        at=at,
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        note=note[:200],
    )


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    program: Program,
    data: ApplicationInput,
    now: dt.datetime | None = None,
) -> SubmitOutcome:
    """Accept an eligible application, or raise the first failing rule's DomainError.

    The door for staff and the system (the demo loader): it says ``already_applied``.
    An anonymous resident goes through ``receipts.application_submit_anonymous``, which
    never tells whether the person has applied. Staff apply on a resident's behalf at an ``intake_place`` they may submit at (else NotFound).
    One live application per person per program is enforced by a unique index on the ID
    number's blind index: of two simultaneous submissions one wins and the other gets
    ``already_applied`` (409). Repeating an accepted submission exactly (same name, phone,
    certificate, group and county) returns the original with ``created=False`` instead,
    so a client retry is harmless. Writes one event and one audit entry."""
    now = _now(now)
    staff = actor is not None and actor.is_authenticated
    if staff:
        assert actor is not None
        place = data.intake_place
        if place is None and not is_unrestricted(actor):
            raise DomainError("intake_place_required", "请选择受理社区")
        if place is not None and not may_submit_at(actor, place):
            raise NotFound("受理地点")
    else:
        data = replace(data, intake_place=None)
    result = evaluate(program=program, facts=data.facts, now=now, check_duplicate=True)
    failure = result.first_failure
    if failure is not None and failure.code == "already_applied":
        replay = _replay(program, data)
        if replay is not None:
            return SubmitOutcome(replay, created=False)
    result.raise_first()
    application = application_build(actor=actor, program=program, data=data, result=result, now=now)
    id_value = result.id_number.value if result.id_number else ""
    for _attempt in range(3):
        application.reference = new_reference(program.year)
        try:
            with transaction.atomic():
                application.save()
            break
        except IntegrityError:
            # Either the person's live application committed meanwhile (the unique index
            # on the blind index), or, vanishingly rarely, the random reference collided.
            replay = _replay(program, data)
            if replay is not None:
                return SubmitOutcome(replay, created=False)
            if live_application_for(program=program, id_number=id_value) is not None:
                raise _already_applied(program) from None
    else:
        raise RuntimeError("could not allocate an application reference")
    application_log_submitted(application=application, actor=actor, now=now)
    return SubmitOutcome(application, created=True)


def application_build(
    *,
    actor: Actor,
    program: Program,
    data: ApplicationInput,
    result: EligibilityResult,
    now: dt.datetime,
) -> Application:
    """The unsaved application for ``data``, which passed every rule in ``result``.
    Checks what the rules do not (name, phone, consent) and raises their DomainError."""
    assert result.id_number is not None and result.program_group and result.area
    name = _clean_name(data.name)
    if not data.phone.strip():
        raise DomainError("phone_required", "请填写联系电话")
    phone = normalize_phone(data.phone)
    if not data.consent:
        raise DomainError(
            "consent_required", f"须同意将申报信息提供给承保机构（{program.insurer}）"
        )
    id_value = result.id_number.value
    staff = actor is not None and actor.is_authenticated
    return Application(
        program=program,
        status=Status.ACCEPTED,
        channel=Channel.STAFF if staff else Channel.SELF,
        name=name,
        birth_date=result.id_number.birth_date,
        sex=result.id_number.sex,
        id_number_cipher=pii.encrypt(id_value),
        id_number_index=id_number_index(id_value),
        id_number_masked=mask_id_number(id_value),
        phone_cipher=pii.encrypt(phone),
        phone_masked=mask_phone(national_phone(phone)),
        certificate_cipher=pii.encrypt(result.certificate) if result.certificate else "",
        certificate_masked=mask_certificate(result.certificate),
        group=result.program_group.group,
        registration_code=result.area.code,
        registration_name=result.area.name,
        consent_at=now,
        intake_place=data.intake_place,
        submitted_by=actor if isinstance(actor, User) else None,
        submitted_at=now,
    )


def application_log_submitted(*, application: Application, actor: Actor, now: dt.datetime) -> None:
    """The ``submitted`` event and the audit entry of a just-saved application."""
    _event(application, kind=EventKind.SUBMITTED, actor=actor, at=now)
    audit_record(
        actor=actor,
        action="veterans.application_submit",
        obj=application,
        changes={f: [None, getattr(application, f)] for f in _AUDITED},
    )


def _already_applied(program: Program) -> Conflict:
    return Conflict(
        "already_applied",
        f"该身份证号码已申报{program.year}年度参保，每人每年度只能申报一次；"
        "如需更正信息请联系所在社区",
    )


def _replay(program: Program, data: ApplicationInput) -> Application | None:
    existing = live_application_for(program=program, id_number=data.id_number)
    if existing is None:
        return None
    try:
        phone = normalize_phone(data.phone)
    except DomainError:
        return None
    return existing if _same_request(existing, data, phone) else None


def _lock(actor: Actor, application: Application) -> Application:
    """Lock the row, in the actor's review scope (NotFound otherwise). ``None`` is the
    system itself (the demo loader), which is not scoped."""
    rows = Application.objects.all() if actor is None else scoped_applications(actor, REVIEW)
    locked = (
        rows.select_related("program", "group")
        .select_for_update(of=("self",))
        .filter(pk=application.pk)
        .first()
    )
    if locked is None:
        raise NotFound("申请")
    return locked


@transaction.atomic
def application_correct(
    *,
    actor: Actor,
    application: Application,
    data: ApplicationCorrection,
    reason: str,
    now: dt.datetime | None = None,
) -> Application:
    """Correct an accepted application's details (staff with review rights on it).

    The corrected application must still pass every rule except the window (a correction
    fixes an application made in time; it is not a new one) and stay inside the actor's
    scope. Locks the row; writes a ``corrected`` event and an audit entry with masked
    before/after values. Raises ``not_correctable`` (409) on a withdrawn application."""
    now = _now(now)
    reason = text_clean(reason, field="reason", label="更正原因", limit=200, required=True)
    app = _lock(actor, application)
    if app.status != Status.ACCEPTED:
        raise Conflict("not_correctable", "已撤回的申请不能更正")
    program = app.program
    stored_cert = pii.decrypt(app.certificate_cipher) if app.certificate_cipher else ""
    facts = ApplicantFacts(
        id_number=data.id_number
        if data.id_number is not None
        else pii.decrypt(app.id_number_cipher),
        group=data.group if data.group is not None else app.group.code,
        registration_code=(
            data.registration_code if data.registration_code is not None else app.registration_code
        ),
        certificate=data.certificate if data.certificate is not None else stored_cert,
    )
    result = evaluate(
        program=program, facts=facts, now=now, check_window=False, exclude_application=app.pk
    )
    result.raise_first()
    assert result.id_number is not None and result.program_group and result.area
    before = {f: getattr(app, f) for f in _AUDITED}
    if data.name is not None:
        app.name = _clean_name(data.name)
    if data.phone is not None:
        phone = normalize_phone(data.phone)
        app.phone_cipher = pii.encrypt(phone)
        app.phone_masked = mask_phone(national_phone(phone))
    id_value = result.id_number.value
    if id_number_index(id_value) != app.id_number_index:
        app.id_number_cipher = pii.encrypt(id_value)
        app.id_number_index = id_number_index(id_value)
        app.id_number_masked = mask_id_number(id_value)
        app.birth_date = result.id_number.birth_date
        app.sex = result.id_number.sex
    if result.certificate != stored_cert:
        app.certificate_cipher = pii.encrypt(result.certificate) if result.certificate else ""
        app.certificate_masked = mask_certificate(result.certificate)
    app.group = result.program_group.group
    app.registration_code = result.area.code
    app.registration_name = result.area.name
    changes = diff_fields(before, {f: getattr(app, f) for f in _AUDITED})
    if not changes:
        return app
    try:
        with transaction.atomic():
            app.save(update_fields=[*_CORRECTABLE, "updated_at"])
    except IntegrityError:
        raise _already_applied(program) from None
    if actor is not None and not scoped_applications(actor, REVIEW).filter(pk=app.pk).exists():
        # Moving an application out of one's own scope would hide it from its handler.
        raise Forbidden("更正后的申请不在您的管辖范围内，请联系上级部门处理")
    _event(app, kind=EventKind.CORRECTED, actor=actor, at=now, changes=changes, note=reason)
    audit_record(
        actor=actor,
        action="veterans.application_correct",
        obj=app,
        changes={**changes, "reason": [None, reason]},
    )
    return app


@transaction.atomic
def application_withdraw(
    *, actor: Actor, application: Application, reason: str, now: dt.datetime | None = None
) -> Application:
    """Take an application off the roster (staff with review rights on it). Locks the
    row, checks the transition table, writes a ``withdrawn`` event and an audit entry.
    The person may apply again while the window is open."""
    now = _now(now)
    reason = text_clean(reason, field="reason", label="撤回原因", limit=200, required=True)
    app = _lock(actor, application)
    if Status.WITHDRAWN not in ALLOWED_TRANSITIONS[app.status]:
        raise Conflict("invalid_transition", f"“{app.get_status_display()}”的申请不能撤回")
    app.status = Status.WITHDRAWN
    app.withdrawn_at = now
    app.withdraw_reason = reason[:200]
    app.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
    _event(
        app,
        kind=EventKind.WITHDRAWN,
        actor=actor,
        at=now,
        changes={"status": [Status.ACCEPTED, Status.WITHDRAWN]},
        note=reason,
    )
    audit_record(
        actor=actor,
        action="veterans.application_withdraw",
        obj=app,
        changes={"status": [Status.ACCEPTED, Status.WITHDRAWN], "reason": [None, reason]},
    )
    return app
