"""Writes for the party organisation: community committees, branches (单建/联建), party
groups, central households and their 联系户, members, and committee seats (交叉任职).

Every service checks ``party.manage`` over the places it touches (the same NotFound as a
missing place when it is out of scope), validates before writing, runs in one transaction
and writes an audit entry. Personal data goes in as plaintext and is stored only as
ciphertext, blind index and masked form. 双报到, pairing and 双包联 are in ``reporting.py``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from shequgang.actors import Actor
from shequgang.audit.services import audit_record, diff_fields
from shequgang.errors import Conflict, DomainError
from shequgang.party.access import require_manage
from shequgang.party.models import (
    Branch,
    BranchCompound,
    BranchMode,
    CentralHousehold,
    CentralHouseholdLink,
    Committee,
    CommitteeBody,
    CommitteeKind,
    CommitteeSeat,
    Member,
    MemberStatus,
    PairedUnit,
    PartyGroup,
    PartyPost,
    SeatRole,
)
from shequgang.people import pii
from shequgang.people.id_numbers import parse_id_number
from shequgang.people.masking import mask_id_number, mask_phone
from shequgang.people.models import Resident
from shequgang.people.phones import national_phone, normalize_phone
from shequgang.people.services import id_number_index, phone_index
from shequgang.places.models import Kind, Place
from shequgang.text_rules import text_clean

_EMPLOYEE_NUMBER = re.compile(r"^[0-9A-Za-z\-]{1,32}$")
_MEMBER_AUDITED = [
    "name",
    "status",
    "id_number_masked",
    "phone_masked",
    "work_unit_id",
    "employee_number",
    "branch_id",
    "group_id",
    "community_id",
    "user_id",
    "active",
]


def community_of(place: Place) -> Place:
    """The community a node lies in (itself for a community)."""
    if place.kind == Kind.COMMUNITY:
        return place
    node: Place | None = place
    while node is not None and node.kind != Kind.COMMUNITY:
        node = node.parent
    if node is None:
        raise DomainError("invalid_place", "该地点不在任何社区内")
    return node


def _expect_kind(place: Place, kinds: set[str], label: str) -> None:
    if place.kind not in kinds:
        raise DomainError("invalid_place", f"{place.name}不是{label}")


# --- Committees --------------------------------------------------------------------------


@transaction.atomic
def committee_create(
    *, actor: Actor, community: Place, name: str, kind: str = CommitteeKind.COMMITTEE
) -> Committee:
    """The community's party organisation; one per community (``committee_exists``)."""
    _expect_kind(community, {Kind.COMMUNITY}, "社区")
    require_manage(actor, community)
    name = text_clean(name, field="name", label="名称", limit=100, required=True)
    if kind not in CommitteeKind.values:
        raise DomainError("invalid_kind", "组织类型无效")
    if Committee.objects.filter(community=community).exists():
        raise Conflict("committee_exists", "该社区已有党组织")
    try:
        with transaction.atomic():
            committee = Committee.objects.create(community=community, name=name, kind=kind)
    except IntegrityError:
        raise Conflict("committee_exists", "该社区已有党组织") from None
    audit_record(actor=actor, action="party.committee.create", obj=committee)
    return committee


# --- Branches ----------------------------------------------------------------------------


def _check_compounds(
    actor: Actor, committee: Committee, mode: str, compounds: Sequence[Place]
) -> list[Place]:
    """单建: exactly one compound; 联建: two or more, all in the committee's town."""
    if mode not in BranchMode.values:
        raise DomainError("invalid_mode", "组建方式应为单建或联建")
    unique = list({c.pk: c for c in compounds}.values())
    for c in unique:
        _expect_kind(c, {Kind.COMPOUND}, "小区")
        require_manage(actor, c, "小区")
    if mode == BranchMode.SINGLE and len(unique) != 1:
        raise DomainError("single_needs_one_compound", "单建支部应覆盖且只覆盖一个小区")
    if mode == BranchMode.JOINT and len(unique) < 2:
        raise DomainError("joint_needs_compounds", "联建支部应覆盖两个及以上小区")
    town = committee.community.parent
    assert town is not None
    for c in unique:
        if not c.path.startswith(town.path):
            raise DomainError("compound_outside_town", f"{c.name}不在本街道（乡镇）内，不能联建")
    return unique


def _link_compounds(branch: Branch, compounds: list[Place]) -> None:
    taken = (
        BranchCompound.objects.filter(compound__in=compounds)
        .exclude(branch=branch)
        .select_related("compound", "branch")
        .first()
    )
    if taken is not None:
        raise Conflict("compound_has_branch", f"{taken.compound.name}已由{taken.branch.name}覆盖")
    BranchCompound.objects.filter(branch=branch).exclude(compound__in=compounds).delete()
    have = set(BranchCompound.objects.filter(branch=branch).values_list("compound_id", flat=True))
    try:
        with transaction.atomic():
            BranchCompound.objects.bulk_create(
                [BranchCompound(branch=branch, compound=c) for c in compounds if c.pk not in have]
            )
    except IntegrityError:
        # Another branch took a compound between the check and the insert.
        raise Conflict("compound_has_branch", "所选小区已有党支部覆盖") from None


@dataclass(frozen=True)
class BranchInput:
    name: str
    mode: str
    compounds: Sequence[Place]
    secretary: Member | None = None
    secretary_chairs_owners_committee: bool = False
    founded_on: dt.date | None = None


def _check_secretary(member: Member | None, community: Place) -> None:
    if member is not None and member.community_id not in (None, community.pk):
        raise DomainError("secretary_elsewhere", "书记应为本社区的党员")


@transaction.atomic
def branch_create(*, actor: Actor, committee: Committee, data: BranchInput) -> Branch:
    """A compound branch under ``committee``. Checks 单建/联建 shape, that every compound
    is in the committee's town and in the actor's scope, and that no compound already has
    a branch (``compound_has_branch``; a unique index makes it safe under concurrency)."""
    require_manage(actor, committee.community)
    name = text_clean(data.name, field="name", label="名称", limit=100, required=True)
    compounds = _check_compounds(actor, committee, data.mode, data.compounds)
    _check_secretary(data.secretary, committee.community)
    if data.secretary_chairs_owners_committee and data.secretary is None:
        raise DomainError("chair_needs_secretary", "未设书记，不能登记「一肩挑」")
    if Branch.objects.filter(committee=committee, name=name).exists():
        raise Conflict("branch_name_taken", "同名党支部已存在")
    branch = Branch.objects.create(
        committee=committee,
        name=name,
        mode=data.mode,
        secretary=data.secretary,
        secretary_chairs_owners_committee=data.secretary_chairs_owners_committee,
        founded_on=data.founded_on,
    )
    _link_compounds(branch, compounds)
    audit_record(
        actor=actor,
        action="party.branch.create",
        obj=branch,
        changes={"mode": [None, branch.mode], "compounds": [None, [c.pk for c in compounds]]},
    )
    return branch


@transaction.atomic
def branch_update(*, actor: Actor, branch: Branch, data: BranchInput) -> Branch:
    """Rename, change the secretary or 一肩挑, or the compounds covered (same checks as
    ``branch_create``). 一肩挑 needs a secretary."""
    branch = (
        Branch.objects.select_for_update().select_related("committee__community").get(pk=branch.pk)
    )
    require_manage(actor, branch.committee.community)
    name = text_clean(data.name, field="name", label="名称", limit=100, required=True)
    compounds = _check_compounds(actor, branch.committee, data.mode, data.compounds)
    _check_secretary(data.secretary, branch.committee.community)
    if data.secretary_chairs_owners_committee and data.secretary is None:
        raise DomainError("chair_needs_secretary", "未设书记，不能登记「一肩挑」")
    if Branch.objects.filter(committee=branch.committee, name=name).exclude(pk=branch.pk).exists():
        raise Conflict("branch_name_taken", "同名党支部已存在")
    fields = ["name", "mode", "secretary_id", "secretary_chairs_owners_committee", "founded_on"]
    before = {f: getattr(branch, f) for f in fields}
    before_compounds = sorted(branch.coverage.values_list("compound_id", flat=True))
    branch.name = name
    branch.mode = data.mode
    branch.secretary = data.secretary
    branch.secretary_chairs_owners_committee = data.secretary_chairs_owners_committee
    branch.founded_on = data.founded_on
    branch.save()
    _link_compounds(branch, compounds)
    changes = diff_fields(before, {f: getattr(branch, f) for f in fields})
    after_compounds = sorted(c.pk for c in compounds)
    if after_compounds != before_compounds:
        changes["compounds"] = [before_compounds, after_compounds]
    audit_record(actor=actor, action="party.branch.update", obj=branch, changes=changes)
    return branch


# --- Party groups and central households -------------------------------------------------


@transaction.atomic
def group_create(
    *, actor: Actor, branch: Branch, building: Place, name: str, leader: Member | None = None
) -> PartyGroup:
    """A party group on a building inside one of the branch's compounds; one group per
    building (``building_has_group``)."""
    _expect_kind(building, {Kind.BUILDING}, "楼栋")
    require_manage(actor, building, "楼栋")
    name = text_clean(name, field="name", label="名称", limit=100, required=True)
    if not BranchCompound.objects.filter(branch=branch, compound_id=building.parent_id).exists():
        raise DomainError("building_outside_branch", "该楼栋不在本支部覆盖的小区内")
    if leader is not None and leader.branch_id not in (None, branch.pk):
        raise DomainError("leader_elsewhere", "党小组长应为本支部党员")
    if PartyGroup.objects.filter(building=building).exists():
        raise Conflict("building_has_group", "该楼栋已有党小组")
    try:
        with transaction.atomic():
            group = PartyGroup.objects.create(
                branch=branch, building=building, name=name, leader=leader
            )
    except IntegrityError:
        raise Conflict("building_has_group", "该楼栋已有党小组") from None
    audit_record(actor=actor, action="party.group.create", obj=group)
    return group


@transaction.atomic
def central_household_create(
    *, actor: Actor, member: Member, household: Place, group: PartyGroup | None = None
) -> CentralHousehold:
    """Make a member's household a central household (党员中心户)."""
    _expect_kind(household, {Kind.HOUSEHOLD}, "户")
    require_manage(actor, household, "户")
    if not member.active:
        raise DomainError("member_inactive", "该党员已不在册")
    if group is not None and not household.path.startswith(group.building.path):
        raise DomainError("household_outside_group", "该户不在所选党小组的楼栋内")
    if CentralHousehold.objects.filter(member=member).exists():
        raise Conflict("member_is_central", "该党员已是党员中心户")
    if CentralHousehold.objects.filter(household=household).exists():
        raise Conflict("household_is_central", "该户已是党员中心户")
    try:
        with transaction.atomic():
            central = CentralHousehold.objects.create(
                member=member, household=household, group=group
            )
    except IntegrityError:
        raise Conflict("household_is_central", "该户已是党员中心户") from None
    audit_record(actor=actor, action="party.central.create", obj=central)
    return central


@transaction.atomic
def central_household_link(
    *, actor: Actor, central: CentralHousehold, households: Sequence[Place]
) -> list[CentralHouseholdLink]:
    """Add 联系户: households in the same community as the central household, not
    itself, and not already looked after by another (``household_linked``)."""
    require_manage(actor, central.household, "户")
    community = community_of(central.household)
    unique = list({h.pk: h for h in households}.values())
    if not unique:
        raise DomainError("households_required", "请选择联系户")
    for h in unique:
        _expect_kind(h, {Kind.HOUSEHOLD}, "户")
        require_manage(actor, h, "户")
        if h.pk == central.household_id:
            raise DomainError("self_link", "中心户不能联系自己")
        if not h.path.startswith(community.path):
            raise DomainError("household_outside_community", f"{h.name}不在本社区")
    taken = CentralHouseholdLink.objects.filter(household__in=unique).exclude(central=central)
    if taken.exists():
        raise Conflict("household_linked", "所选户已有其他党员中心户联系")
    have = set(central.links.values_list("household_id", flat=True))
    try:
        with transaction.atomic():
            links = CentralHouseholdLink.objects.bulk_create(
                [
                    CentralHouseholdLink(central=central, household=h)
                    for h in unique
                    if h.pk not in have
                ]
            )
    except IntegrityError:
        raise Conflict("household_linked", "所选户已有其他党员中心户联系") from None
    audit_record(
        actor=actor,
        action="party.central.link",
        obj=central,
        changes={"households": [None, [h.pk for h in unique]]},
    )
    return links


@transaction.atomic
def central_household_unlink(*, actor: Actor, central: CentralHousehold, household: Place) -> None:
    require_manage(actor, central.household, "户")
    deleted, _ = CentralHouseholdLink.objects.filter(central=central, household=household).delete()
    if not deleted:
        raise DomainError("not_linked", "该户不是本中心户的联系户")
    audit_record(
        actor=actor,
        action="party.central.unlink",
        obj=central,
        changes={"household": [household.pk, None]},
    )


# --- Members -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    """A member as a form or the API gives it. Identified by ``id_number`` or by
    ``work_unit`` + ``employee_number`` (at least one)."""

    name: str
    community: Place
    status: str = MemberStatus.IN_SERVICE
    id_number: str = ""
    work_unit: PairedUnit | None = None
    employee_number: str = ""
    phone: str = ""
    branch: Branch | None = None
    group: PartyGroup | None = None
    joined_on: dt.date | None = None
    user: User | None = None


def member_identity_index(id_number: str) -> str:
    """The blind index of a (validated, normalised) ID number: full-width digits and a
    lowercase x give the same index as the canonical form."""
    return id_number_index(parse_id_number(id_number).value)


def _place_org(member: Member, branch: Branch | None, group: PartyGroup | None) -> None:
    if group is not None and branch is not None and group.branch_id != branch.pk:
        raise DomainError("group_outside_branch", "党小组不属于所选支部")
    if group is not None and branch is None:
        branch = group.branch
    member.branch = branch
    member.group = group


@transaction.atomic
def member_register(*, actor: Actor, data: MemberInput) -> Member:
    """Register a party member in ``data.community``. The ID number is validated
    (GB 11643, full-width and lowercase x normalised) and de-duplicated by its blind index
    (``duplicate_member``, also under concurrency through the unique index); an employee
    registration is unique within its unit. Links the register's resident with the same
    ID number."""
    _expect_kind(data.community, {Kind.COMMUNITY}, "社区")
    require_manage(actor, data.community)
    name = text_clean(data.name, field="name", label="姓名", limit=50, required=True)
    if data.status not in MemberStatus.values:
        raise DomainError("invalid_status", "党员类别无效")
    member = Member(
        name=name, status=data.status, community=data.community, joined_on=data.joined_on
    )
    if data.id_number.strip():
        parsed = parse_id_number(data.id_number)
        member.id_number_cipher = pii.encrypt(parsed.value)
        member.id_number_index = id_number_index(parsed.value)
        member.id_number_masked = mask_id_number(parsed.value)
    employee = data.employee_number.strip()
    if employee:
        if data.work_unit is None:
            raise DomainError("work_unit_required", "填写单位登记号时须选择工作单位")
        if not _EMPLOYEE_NUMBER.match(employee):
            raise DomainError("invalid_employee_number", "单位登记号只能包含字母、数字和连字符")
        member.work_unit = data.work_unit
        member.employee_number = employee
    elif data.work_unit is not None:
        member.work_unit = data.work_unit
    if member.id_number_index is None and not employee:
        raise DomainError("identity_required", "请填写身份证号码或单位登记号")
    if data.phone.strip():
        e164 = normalize_phone(data.phone)
        member.phone_cipher = pii.encrypt(e164)
        member.phone_index = phone_index(e164)
        member.phone_masked = mask_phone(national_phone(e164))
    for org in (data.branch, data.group.branch if data.group else None):
        if org is not None and org.committee.community_id != data.community.pk:
            raise DomainError("branch_elsewhere", "所选支部不属于该社区")
    _place_org(member, data.branch, data.group)
    if data.user is not None:
        if Member.objects.filter(user=data.user).exists():
            raise Conflict("user_has_member", "该账号已关联其他党员")
        member.user = data.user
    _check_duplicate(member)
    if member.id_number_index:
        member.resident = (
            Resident.objects.filter(id_number_index=member.id_number_index)
            .exclude(party_member__isnull=False)
            .first()
        )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise Conflict("duplicate_member", "该党员已登记") from None
    audit_record(
        actor=actor,
        action="party.member.register",
        obj=member,
        changes={f: [None, getattr(member, f)] for f in _MEMBER_AUDITED},
    )
    return member


def _check_duplicate(member: Member) -> None:
    if member.id_number_index and (
        Member.objects.filter(id_number_index=member.id_number_index).exclude(pk=member.pk).exists()
    ):
        raise Conflict("duplicate_member", "该身份证号码的党员已登记")
    if member.employee_number and (
        Member.objects.filter(work_unit=member.work_unit, employee_number=member.employee_number)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise Conflict("duplicate_member", "该单位登记号的党员已登记")


@dataclass(frozen=True)
class MemberChange:
    """Changes to a member; ``None`` leaves a field as it is."""

    name: str | None = None
    status: str | None = None
    phone: str | None = None
    branch: Branch | None = None
    group: PartyGroup | None = None
    clear_org: bool = False
    active: bool | None = None
    user: User | None = None


@transaction.atomic
def member_update(*, actor: Actor, member: Member, change: MemberChange) -> Member:
    """Edit a member in the actor's community. Organisation must be the member's
    community's; the ID number is not editable (register a correction with the admin)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.community is None:
        raise DomainError("member_without_community", "该党员尚未归属社区")
    require_manage(actor, member.community, "党员")
    before = {f: getattr(member, f) for f in _MEMBER_AUDITED}
    if change.name is not None:
        member.name = text_clean(change.name, field="name", label="姓名", limit=50, required=True)
    if change.status is not None:
        if change.status not in MemberStatus.values:
            raise DomainError("invalid_status", "党员类别无效")
        member.status = change.status
    if change.phone is not None:
        if change.phone.strip():
            e164 = normalize_phone(change.phone)
            member.phone_cipher = pii.encrypt(e164)
            member.phone_index = phone_index(e164)
            member.phone_masked = mask_phone(national_phone(e164))
        else:
            member.phone_cipher = member.phone_index = member.phone_masked = ""
    if change.clear_org:
        _place_org(member, None, None)
    elif change.branch is not None or change.group is not None:
        for org in (change.branch, change.group.branch if change.group else None):
            if org is not None and org.committee.community_id != member.community_id:
                raise DomainError("branch_elsewhere", "所选支部不属于该党员所在社区")
        _place_org(member, change.branch, change.group)
    if change.active is not None:
        member.active = change.active
    if change.user is not None:
        if Member.objects.filter(user=change.user).exclude(pk=member.pk).exists():
            raise Conflict("user_has_member", "该账号已关联其他党员")
        member.user = change.user
    member.save()
    audit_record(
        actor=actor,
        action="party.member.update",
        obj=member,
        changes=diff_fields(before, {f: getattr(member, f) for f in _MEMBER_AUDITED}),
    )
    return member


# --- Committee seats (交叉任职) -----------------------------------------------------------

_BODY_KINDS: dict[str, set[str]] = {
    CommitteeBody.OWNERS_COMMITTEE: {Kind.COMPOUND},
    CommitteeBody.PROPERTY_COMMITTEE: {Kind.COMPOUND},
    CommitteeBody.RESIDENTS_COMMITTEE: {Kind.COMMUNITY},
}


@transaction.atomic
def committee_seat_create(
    *,
    actor: Actor,
    place: Place,
    body: str,
    role: str,
    name: str,
    member: Member | None = None,
    party_post: str = PartyPost.NONE,
    started_on: dt.date | None = None,
) -> CommitteeSeat:
    """A seat on an owners'/property committee (compound) or residents' committee
    (community); a party post makes it a cross-appointment (交叉任职) and needs a member."""
    if body not in _BODY_KINDS:
        raise DomainError("invalid_body", "组织类型无效")
    if place.kind not in _BODY_KINDS[body]:
        raise DomainError("invalid_place", "业委会、物管会设在小区，居委会设在社区")
    if role not in SeatRole.values:
        raise DomainError("invalid_role", "职务无效")
    if party_post not in PartyPost.values:
        raise DomainError("invalid_party_post", "党内职务无效")
    require_manage(actor, place)
    name = text_clean(name, field="name", label="姓名", limit=50, required=True)
    if party_post and member is None:
        raise DomainError("party_post_needs_member", "登记党内职务须关联党员")
    seat = CommitteeSeat.objects.create(
        place=place,
        body=body,
        role=role,
        name=name,
        member=member,
        party_post=party_post,
        started_on=started_on,
    )
    audit_record(actor=actor, action="party.seat.create", obj=seat)
    return seat


@transaction.atomic
def committee_seat_end(*, actor: Actor, seat: CommitteeSeat, ended_on: dt.date) -> CommitteeSeat:
    seat = CommitteeSeat.objects.select_for_update().get(pk=seat.pk)
    require_manage(actor, seat.place)
    if seat.ended_on is not None:
        raise Conflict("seat_ended", "该任职已结束")
    if seat.started_on and ended_on < seat.started_on:
        raise DomainError("ended_before_started", "离任日期早于任职日期")
    seat.ended_on = ended_on
    seat.save(update_fields=["ended_on"])
    audit_record(
        actor=actor, action="party.seat.end", obj=seat, changes={"ended_on": [None, ended_on]}
    )
    return seat
