"""Recording a knock at a door, and confirming a moved-out finding on the register.

A visit is append-only; the household's row on the list keeps the latest outcome (and the
scheduled revisit) so a visitor's list and the campaign's coverage are single reads."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.calendar.workdays import local_day
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.needs.access import may_manage, may_visit
from shequgang.needs.models import (
    CampaignStatus,
    ListHousehold,
    StopState,
    Visit,
    VisitOutcome,
)
from shequgang.people.models import Resident, ResidentStatus
from shequgang.people.services import ResidentInput, resident_update
from shequgang.text_rules import text_clean

# How far ahead a revisit may be scheduled.
MAX_REVISIT_DAYS = 60
MOVED_OUT_REASON = "敲门走访核实：已搬离"


def _check_revisit(outcome: str, revisit_on: dt.date | None, today: dt.date) -> dt.date | None:
    if outcome != VisitOutcome.NOT_HOME:
        if revisit_on is not None:
            raise DomainError("revisit_not_allowed", "只有“不在家”需要安排回访")
        return None
    if revisit_on is None:
        return today + dt.timedelta(days=1)
    if revisit_on < today:
        raise DomainError("invalid_revisit", "回访日期不能早于今天")
    if revisit_on > today + dt.timedelta(days=MAX_REVISIT_DAYS):
        raise DomainError("invalid_revisit", f"回访日期不超过{MAX_REVISIT_DAYS}天以后")
    return revisit_on


@transaction.atomic
def visit_record(
    *,
    actor: Actor,
    stop: ListHousehold,
    outcome: str,
    met_whom: str = "",
    revisit_on: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Visit:
    """Record one visit to a household of a list, by the list's visitor or staff keeping
    the household's register (else NotFound). ``met`` needs whom was met; ``not_home``
    schedules a revisit (tomorrow unless given; today up to 60 days ahead); ``moved_out``
    leaves the household waiting for staff to confirm it on the register. Locks the
    list's row for the household, appends the visit and stores the latest outcome there.
    Refused on a closed campaign (409) and on bad input (400), nothing written."""
    now = now or timezone.now()
    stop = (
        ListHousehold.objects.select_for_update()
        .select_related("visit_list", "household", "campaign")
        .get(pk=stop.pk)
    )
    if actor is None or not actor.is_authenticated or not may_visit(actor, stop):
        raise NotFound("走访住户")
    if stop.campaign.status != CampaignStatus.OPEN:
        raise Conflict("campaign_closed", "该行动已结束，不能再记录走访")
    if outcome not in VisitOutcome.values:
        raise DomainError("invalid_outcome", f"未知的走访结果：{outcome}")
    met_whom = text_clean(
        met_whom,
        field="met_whom",
        label="见到何人",
        limit=50,
        required=outcome == VisitOutcome.MET,
    )
    note = text_clean(note, field="note", label="备注", limit=500)
    revisit_on = _check_revisit(outcome, revisit_on, local_day(now))
    visit = Visit.objects.create(
        stop=stop,
        campaign=stop.campaign,
        household=stop.household,
        visitor=actor,
        visited_at=now,
        outcome=outcome,
        met_whom=met_whom,
        revisit_on=revisit_on,
        note=note,
    )
    stop.state = StopState(outcome)
    stop.revisit_on = revisit_on
    stop.last_visited_at = now
    stop.save(update_fields=["state", "revisit_on", "last_visited_at"])
    return visit


@transaction.atomic
def moved_out_confirm(*, actor: Actor, stop: ListHousehold, now: dt.datetime | None = None) -> int:
    """Confirm a visitor's "moved out" on the register: every resident still registered
    at the household leaves through ``people.services.resident_update`` (which checks
    ``resident.edit``, stamps ``left_at`` and writes the audit rows). Returns how many
    left. Only for a household whose latest outcome is moved out, once (409)."""
    stop = ListHousehold.objects.select_for_update().select_related("household").get(pk=stop.pk)
    if actor is None or not may_manage(actor, stop.household):
        raise NotFound("走访住户")
    if stop.state != StopState.MOVED_OUT:
        raise Conflict("not_moved_out", "该户最近一次走访不是“已搬离”")
    if stop.register_confirmed_at is not None:
        raise Conflict("already_confirmed", "该户已核实")
    residents = Resident.objects.filter(
        household=stop.household, status=ResidentStatus.ACTIVE
    ).order_by("pk")
    count = 0
    for resident in residents:
        resident_update(
            actor=actor,
            resident=resident,
            data=ResidentInput(status=ResidentStatus.MOVED_OUT, reason=MOVED_OUT_REASON),
        )
        count += 1
    stop.register_confirmed_at = now or timezone.now()
    stop.save(update_fields=["register_confirmed_at"])
    return count
