"""The retention purge: apply every active ``RetentionRule`` to what is due.

Each category is one query over an indexed clock column (``left_at``, ``created_at``,
the programme year); copies are deleted set-wise, records that others point at are
anonymised. A row is due when its clock start plus ``keep_days`` is at or before now
(so on the day the period ends, not the day after). Case history and audit rows are
never touched. Idempotent: what was purged no longer matches (anonymised residents
have ``anonymised_at``, anonymised applications no ID number, deleted rows are gone).
One audit row per run (``privacy.purge``) with the counts; a dry run writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequgang.apikit.models import IdempotencyRecord
from shequgang.audit.services import audit_record
from shequgang.cases.models import Notification
from shequgang.errors import Conflict
from shequgang.people.models import Resident, ResidentStatus
from shequgang.privacy.erasure import anonymise_applications, erase_resident, erasure_blockers
from shequgang.privacy.models import Category, RetentionRule
from shequgang.veterans.models import BEIJING, Application
from shequgang.veterans.models import Status as ApplicationStatus

_LEFT_STATUS: dict[str, str] = {
    Category.RESIDENT_MOVED_OUT: ResidentStatus.MOVED_OUT,
    Category.RESIDENT_DECEASED: ResidentStatus.DECEASED,
}


_LOGIN_TABLES = (AccessLog, AccessFailureLog, AccessAttempt)


@dataclass
class Outcome:
    category: str
    due: int = 0
    done: int = 0
    # Residents due but left alone: open cases, live applications, a staff account.
    skipped: int = 0


def due_residents(category: str, cutoff: dt.datetime) -> QuerySet[Resident]:
    return Resident.objects.filter(
        status=_LEFT_STATUS[category], left_at__lte=cutoff, anonymised_at__isnull=True
    ).order_by("pk")


def due_notifications(cutoff: dt.datetime) -> QuerySet[Notification]:
    """Delivered or given up: an undelivered one is still work for the outbox."""
    return Notification.objects.filter(created_at__lte=cutoff).filter(
        Q(delivered_at__isnull=False) | Q(failed_at__isnull=False)
    )


def due_applications(cutoff: dt.datetime) -> QuerySet[Application]:
    # The clock starts when the programme year ends (1 January of the next year, Beijing
    # time): that instant is at or before the cutoff exactly when the cutoff's year is
    # later than the programme's.
    last_year = cutoff.astimezone(BEIJING).year - 1
    return Application.objects.filter(
        status=ApplicationStatus.WITHDRAWN, program__year__lte=last_year
    ).exclude(id_number_cipher="")


def _purge_residents(
    rule: RetentionRule, cutoff: dt.datetime, now: dt.datetime, dry_run: bool
) -> Outcome:
    out = Outcome(rule.category)
    ids = list(due_residents(rule.category, cutoff).values_list("pk", flat=True))
    out.due = len(ids)
    if dry_run:
        return out
    reason = f"保存期限届满：{rule.get_category_display()}，{rule.keep_days}天"
    for pk in ids:
        with transaction.atomic():
            # Due again under the lock: they may have come back since the ids were read.
            resident = (
                due_residents(rule.category, cutoff).select_for_update().filter(pk=pk).first()
            )
            if resident is None or erasure_blockers(resident, now=now):
                out.skipped += 1
                continue
            try:
                with transaction.atomic():
                    erase_resident(resident=resident, actor=None, reason=reason, rule=rule.category)
            except Conflict:  # a staff account is linked: people, not a sweep, decide
                out.skipped += 1
                continue
            out.done += 1
    return out


def _purge_rows(rule: RetentionRule, cutoff: dt.datetime, dry_run: bool) -> Outcome:
    out = Outcome(rule.category)
    if rule.category == Category.VETERANS_WITHDRAWN:
        applications = due_applications(cutoff)
        out.due = applications.count()
        out.done = 0 if dry_run else anonymise_applications(applications)
        return out
    if rule.category == Category.LOGIN_RECORDS:
        # django-axes' tables: successful logins, failed ones, and the lockout counters
        # (long past their cool-off by then). The audit log keeps its own login rows.
        logs = [m.objects.filter(attempt_time__lte=cutoff) for m in _LOGIN_TABLES]
        out.due = sum(q.count() for q in logs)
        if not dry_run:
            out.done = sum(q.delete()[0] for q in logs)
        return out
    rows: QuerySet[Notification] | QuerySet[IdempotencyRecord]
    if rule.category == Category.NOTIFICATIONS:
        rows = due_notifications(cutoff)
    else:
        rows = IdempotencyRecord.objects.filter(created_at__lte=cutoff)
    out.due = rows.count()
    if not dry_run:
        out.done = rows.delete()[0]
    return out


def purge_personal_data(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[Outcome]:
    """Apply each active rule once; see the module docstring for the guarantees."""
    now = now or timezone.now()
    outcomes = []
    for rule in RetentionRule.objects.filter(active=True).order_by("category"):
        cutoff = now - dt.timedelta(days=rule.keep_days)
        if rule.category in _LEFT_STATUS:
            outcomes.append(_purge_residents(rule, cutoff, now, dry_run))
        else:
            outcomes.append(_purge_rows(rule, cutoff, dry_run))
    if not dry_run:
        audit_record(
            actor=None,
            action="privacy.purge",
            object_type=RetentionRule._meta.label_lower,
            changes={o.category: [o.due, o.done] for o in outcomes}
            | {"skipped": [None, sum(o.skipped for o in outcomes)]},
        )
    return outcomes
