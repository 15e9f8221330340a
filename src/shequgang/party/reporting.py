"""Writes for 双报到 and 双包联: units and their pairings with communities (结对共建),
members reporting to the community where they live, and responsibilities for named
compounds, buildings and households.

The rule "one active report per member" is kept twice: ``member_report`` locks the member
row, ends the active report and opens the new one in one transaction; the partial unique
index ``party_one_active_report_per_member`` refuses a second active row if anything
bypasses the service. Ended reports stay as history."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields
from shequgang.errors import Conflict, DomainError, NotFound
from shequgang.party.access import is_own, require_manage
from shequgang.party.models import (
    Member,
    MemberReport,
    MemberStatus,
    PairedUnit,
    PairedUnitKind,
    Responsibility,
    UnitPairing,
)
from shequgang.people import pii
from shequgang.people.masking import mask_phone
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.places.models import Kind, Place
from shequgang.text_rules import text_clean

RESPONSIBILITY_KINDS = {Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}


def _phone(raw: str) -> tuple[str, str]:
    """(ciphertext, masked) of a phone number, or two empty strings."""
    if not raw.strip():
        return "", ""
    e164 = normalize_phone(raw)
    return pii.encrypt(e164), mask_phone(national_phone(e164))


# --- 双报到 -------------------------------------------------------------------------------


@transaction.atomic
def member_report(
    *,
    actor: Actor,
    member: Member,
    community: Place,
    residence: Place | None = None,
    now: dt.datetime | None = None,
) -> MemberReport:
    """An in-service member reports to the community where they live. The member may
    report themselves; staff need ``party.manage`` over the community. Locks the member
    row, ends the active report elsewhere (kept as history, reason "迁至…") and opens the
    new one. Raises ``already_reported`` when the active report is already there,
    ``not_in_service`` for retired members (they belong to their compound branch)."""
    now = now or timezone.now()
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_place", f"{community.name}不是社区")
    if not is_own(actor, member):
        require_manage(actor, community, "社区")
    if residence is not None and (
        residence.kind not in {Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD}
        or not residence.path.startswith(community.path)
    ):
        raise DomainError("residence_outside_community", "居住地应为该社区内的小区、楼栋或户")
    # The lock serializes reports for one member: the second waits, then sees the first.
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not member.active:
        raise DomainError("member_inactive", "该党员已不在册")
    if member.status != MemberStatus.IN_SERVICE:
        raise DomainError("not_in_service", "双报到面向在职党员")
    active = MemberReport.objects.filter(member=member, ended_at__isnull=True).first()
    if active is not None and active.community_id == community.pk:
        raise Conflict("already_reported", "该党员已在本社区报到")
    if active is not None:
        active.ended_at = max(now, active.reported_at)
        active.end_reason = f"迁至{community.name}"[:200]
        active.save(update_fields=["ended_at", "end_reason"])
    try:
        with transaction.atomic():
            report = MemberReport.objects.create(
                member=member,
                community=community,
                residence=residence,
                reported_at=now,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise Conflict("report_active", "该党员已有有效的报到记录") from None
    previous = member.community_id
    member.community = community
    member.save(update_fields=["community", "updated_at"])
    audit_record(
        actor=actor,
        action="party.report.create",
        obj=report,
        changes={
            "community": [active.community_id if active else None, community.pk],
            "member_community": [previous, community.pk],
        },
    )
    return report


@transaction.atomic
def member_report_end(
    *, actor: Actor, report: MemberReport, reason: str, now: dt.datetime | None = None
) -> MemberReport:
    """End an active report (the member left without reporting elsewhere)."""
    now = now or timezone.now()
    report = (
        MemberReport.objects.select_for_update()
        .select_related("member", "community")
        .get(pk=report.pk)
    )
    if not is_own(actor, report.member):
        require_manage(actor, report.community, "报到记录")
    reason = text_clean(reason, field="reason", label="结束原因", limit=200, required=True)
    if report.ended_at is not None:
        raise Conflict("report_ended", "该报到记录已结束")
    report.ended_at = max(now, report.reported_at)
    report.end_reason = reason
    report.save(update_fields=["ended_at", "end_reason"])
    audit_record(
        actor=actor, action="party.report.end", obj=report, changes={"ended_at": [None, now]}
    )
    return report


# --- Units and pairings (结对共建) ---------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    place: Place,
    name: str,
    kind: str,
    contact_name: str = "",
    contact_phone: str = "",
    offers: str = "",
) -> PairedUnit:
    """Register a unit at ``place`` (its county, town or community, for scope). Names are
    unique (``unit_name_taken``)."""
    require_manage(actor, place)
    name = text_clean(name, field="name", label="单位名称", limit=100, required=True)
    if kind not in PairedUnitKind.values:
        raise DomainError("invalid_kind", "单位类型无效")
    contact_name = text_clean(contact_name, field="contact_name", label="联系人", limit=50)
    offers = text_clean(offers, field="offers", label="可提供资源", limit=2000)
    cipher, masked = _phone(contact_phone)
    if PairedUnit.objects.filter(name=name).exists():
        raise Conflict("unit_name_taken", "同名单位已登记")
    try:
        with transaction.atomic():
            unit = PairedUnit.objects.create(
                place=place,
                name=name,
                kind=kind,
                contact_name=contact_name,
                contact_phone_cipher=cipher,
                contact_phone_masked=masked,
                offers=offers,
            )
    except IntegrityError:
        raise Conflict("unit_name_taken", "同名单位已登记") from None
    audit_record(actor=actor, action="party.unit.create", obj=unit)
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: Actor,
    unit: PairedUnit,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    offers: str | None = None,
    active: bool | None = None,
) -> PairedUnit:
    unit = PairedUnit.objects.select_for_update().select_related("place").get(pk=unit.pk)
    require_manage(actor, unit.place, "单位")
    fields = ["contact_name", "contact_phone_masked", "offers", "active"]
    before = {f: getattr(unit, f) for f in fields}
    if contact_name is not None:
        unit.contact_name = text_clean(contact_name, field="contact_name", label="联系人", limit=50)
    if contact_phone is not None:
        unit.contact_phone_cipher, unit.contact_phone_masked = _phone(contact_phone)
    if offers is not None:
        unit.offers = text_clean(offers, field="offers", label="可提供资源", limit=2000)
    if active is not None:
        unit.active = active
    unit.save()
    audit_record(
        actor=actor,
        action="party.unit.update",
        obj=unit,
        changes=diff_fields(before, {f: getattr(unit, f) for f in fields}),
    )
    return unit


@transaction.atomic
def pairing_create(
    *,
    actor: Actor,
    unit: PairedUnit,
    community: Place,
    started_on: dt.date,
    contact_name: str = "",
    contact_phone: str = "",
    offer: str = "",
) -> UnitPairing:
    """结对共建 between a unit and a community the actor manages; one open pairing per
    unit and community (``pairing_open``)."""
    if community.kind != Kind.COMMUNITY:
        raise DomainError("invalid_place", f"{community.name}不是社区")
    require_manage(actor, community, "社区")
    if not unit.active:
        raise NotFound("单位")
    contact_name = text_clean(contact_name, field="contact_name", label="对接联系人", limit=50)
    offer = text_clean(offer, field="offer", label="共建内容", limit=2000)
    cipher, masked = _phone(contact_phone)
    if UnitPairing.objects.filter(unit=unit, community=community, ended_on__isnull=True).exists():
        raise Conflict("pairing_open", "该单位已与本社区结对")
    try:
        with transaction.atomic():
            pairing = UnitPairing.objects.create(
                unit=unit,
                community=community,
                started_on=started_on,
                contact_name=contact_name,
                contact_phone_cipher=cipher,
                contact_phone_masked=masked,
                offer=offer,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise Conflict("pairing_open", "该单位已与本社区结对") from None
    audit_record(actor=actor, action="party.pairing.create", obj=pairing)
    return pairing


@transaction.atomic
def pairing_end(*, actor: Actor, pairing: UnitPairing, ended_on: dt.date) -> UnitPairing:
    pairing = UnitPairing.objects.select_for_update().select_related("community").get(pk=pairing.pk)
    require_manage(actor, pairing.community, "结对共建")
    if pairing.ended_on is not None:
        raise Conflict("pairing_ended", "该结对已结束")
    if ended_on < pairing.started_on:
        raise DomainError("ended_before_started", "结束日期早于开始日期")
    pairing.ended_on = ended_on
    pairing.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action="party.pairing.end",
        obj=pairing,
        changes={"ended_on": [None, ended_on]},
    )
    return pairing


# --- 双包联 -------------------------------------------------------------------------------


@transaction.atomic
def responsibility_assign(
    *,
    actor: Actor,
    place: Place,
    started_on: dt.date,
    unit: PairedUnit | None = None,
    member: Member | None = None,
    note: str = "",
) -> Responsibility:
    """A unit or a member (exactly one) takes responsibility for a compound, building,
    unit or household the actor manages. One open responsibility per holder and place
    (``responsibility_open``)."""
    if (unit is None) == (member is None):
        raise DomainError("one_holder", "包联主体应为一个单位或一名党员")
    if place.kind not in RESPONSIBILITY_KINDS:
        raise DomainError("invalid_place", "包联对象应为小区、楼栋、单元或户")
    require_manage(actor, place)
    if unit is not None and not unit.active:
        raise NotFound("单位")
    if member is not None and not member.active:
        raise DomainError("member_inactive", "该党员已不在册")
    note = text_clean(note, field="note", label="说明", limit=200)
    open_ = Responsibility.objects.filter(place=place, ended_on__isnull=True)
    if open_.filter(unit=unit, member=member).exists():
        raise Conflict("responsibility_open", "已登记该包联")
    try:
        with transaction.atomic():
            item = Responsibility.objects.create(
                place=place,
                unit=unit,
                member=member,
                started_on=started_on,
                note=note,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        raise Conflict("responsibility_open", "已登记该包联") from None
    audit_record(actor=actor, action="party.responsibility.assign", obj=item)
    return item


@transaction.atomic
def responsibility_end(
    *, actor: Actor, responsibility: Responsibility, ended_on: dt.date
) -> Responsibility:
    item = (
        Responsibility.objects.select_for_update().select_related("place").get(pk=responsibility.pk)
    )
    require_manage(actor, item.place, "包联记录")
    if item.ended_on is not None:
        raise Conflict("responsibility_ended", "该包联已结束")
    if ended_on < item.started_on:
        raise DomainError("ended_before_started", "结束日期早于开始日期")
    item.ended_on = ended_on
    item.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action="party.responsibility.end",
        obj=item,
        changes={"ended_on": [None, ended_on]},
    )
    return item
