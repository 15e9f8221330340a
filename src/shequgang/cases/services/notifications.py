"""The notifications outbox. Services write rows in their own transaction; the worker
delivers them after commit (``deliver_due``), claiming each row with a conditional UPDATE
so two workers never send one twice; a row claimed by a worker that died is released at
the next round (``cases/services/workers.py``), the lease being the last resort. The inbox channel delivers in place; SMS and WeChat
go through pluggable channel classes (a logging one here, no outside network)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from shequgang.cases.engine.routing import RUNG_ROLES
from shequgang.cases.models import Case, Notification
from shequgang.cases.models.worker import WorkerProcess
from shequgang.cases.services.workers import claimed_by_dead, workers_reap
from shequgang.errors import NotFound
from shequgang.people.models import RoleAssignment
from shequgang.row_insert import RowInsert

log = logging.getLogger("shequgang.notifications")

# A claimed row is retried after this if its worker died mid-delivery.
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 5

# Every notification is written by this one statement (shequgang/row_insert.py).
_NOTIFICATION_INSERT = RowInsert(Notification)


class ChannelBackend(Protocol):
    def send(self, notification: Notification) -> None: ...


class LoggingChannel:
    """Stands in for an SMS gateway or WeChat template messages on an intranet test bed."""

    def send(self, notification: Notification) -> None:
        log.info(
            "notify %s user=%s case=%s %s",
            notification.channel,
            notification.recipient_id,
            notification.case_id,
            notification.title,
        )


def _backend(channel: str) -> ChannelBackend:
    paths: dict[str, str] = getattr(settings, "SHEQUGANG_NOTIFY_CHANNELS", {})
    backend: ChannelBackend = import_string(
        paths.get(channel, "shequgang.cases.services.notifications.LoggingChannel")
    )()
    return backend


def holders_of(case: Case) -> list[int]:
    """User ids acting for the case's current holder."""
    q = RoleAssignment.objects.filter(role__in=RUNG_ROLES[case.rung], revoked_at__isnull=True)
    if case.handler_department_id is not None:
        q = q.filter(department_id=case.handler_department_id)
    elif case.handler_place_id is not None:
        q = q.filter(place_id=case.handler_place_id)
    else:
        return []
    return sorted(set(q.values_list("user_id", flat=True)))


def notify(
    *,
    user_ids: Iterable[int | None],
    case: Case | None,
    title: str,
    body: str = "",
    channels: Iterable[str] = (Notification.Channel.INBOX,),
) -> int:
    """Queue notifications (in the caller's transaction)."""
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=uid,
            case=case,
            channel=ch,
            title=title[:100],
            body=body[:500],
            deliver_after=now,
        )
        for uid in sorted({u for u in user_ids if u is not None})
        for ch in channels
    ]
    _NOTIFICATION_INSERT.insert_many(rows)
    return len(rows)


def deliver_due(
    *, now: dt.datetime | None = None, batch: int = 200, worker: WorkerProcess | None = None
) -> int:
    """Deliver what is due, claiming each row as ``worker`` (the registered process);
    returns how many were delivered. Rows a dead worker had claimed are due again."""
    now = now or timezone.now()
    workers_reap(now=now, me=worker)
    # Claimed rows wait at most LEASE ahead of now: a short range of the outbox index.
    Notification.objects.filter(
        claimed_by_dead(),
        delivered_at__isnull=True,
        failed_at__isnull=True,
        deliver_after__gt=now,
        deliver_after__lte=now + LEASE,
    ).update(deliver_after=now, claimed_by_worker=None)
    due = list(
        Notification.objects.filter(
            delivered_at__isnull=True, failed_at__isnull=True, deliver_after__lte=now
        )
        .order_by("deliver_after", "id")
        .values_list("id", flat=True)[:batch]
    )
    delivered = 0
    for pk in due:
        # Claim: only the worker whose UPDATE matches the old lease gets the row.
        claimed = Notification.objects.filter(
            pk=pk, delivered_at__isnull=True, failed_at__isnull=True, deliver_after__lte=now
        ).update(deliver_after=now + LEASE, attempts=F("attempts") + 1, claimed_by_worker=worker)
        if not claimed:
            continue
        note = Notification.objects.get(pk=pk)
        try:
            if note.channel != Notification.Channel.INBOX:
                _backend(note.channel).send(note)
        except Exception as exc:
            failed = Q(attempts__gte=MAX_ATTEMPTS)
            Notification.objects.filter(pk=pk).filter(failed).update(failed_at=now)
            Notification.objects.filter(pk=pk).update(last_error=str(exc)[:200])
            continue
        Notification.objects.filter(pk=pk).update(delivered_at=now)
        delivered += 1
    return delivered


def unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def inbox_of(user: User) -> QuerySet[Notification]:
    """The user's inbox: their delivered in-app notifications."""
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.INBOX, delivered_at__isnull=False
    )


def notification_mark_read(
    *, user: User, notification_id: int, now: dt.datetime | None = None
) -> Notification:
    """Marks one notification of ``user``'s inbox read; a second call keeps the first
    time. Raises NotFound for anyone else's, or one not yet delivered."""
    inbox_of(user).filter(pk=notification_id, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    note = inbox_of(user).filter(pk=notification_id).first()
    if note is None:
        raise NotFound("消息")
    return note


def notifications_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Marks every unread notification of ``user``'s inbox read; those read before keep
    their time. Returns how many were marked."""
    return inbox_of(user).filter(read_at__isnull=True).update(read_at=now or timezone.now())
