"""Party organisation, 双报到 and 双包联 API (mounted at /api/v1/party).

Every read goes through ``access`` (the same 404 for missing and out of scope); every write
calls one service, which checks ``party.manage`` and validates. Creating POSTs honour
``Idempotency-Key``: a retry with the same key returns the first response."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model
from django.http import HttpRequest
from ninja import Query, Router, Status

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import idempotent_status
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.models import Case
from shequgang.errors import NotFound
from shequgang.party import access, reporting, services
from shequgang.party.models import (
    Branch,
    CentralHousehold,
    Member,
    MemberReport,
    PairedUnit,
    Responsibility,
    UnitPairing,
)
from shequgang.party.schemas import (
    PartyBranchIn,
    PartyBranchOut,
    PartyCentralIn,
    PartyCentralLinksIn,
    PartyCentralOut,
    PartyCommitteeIn,
    PartyCommitteeOut,
    PartyCoverageOut,
    PartyEndIn,
    PartyEndOnIn,
    PartyGroupIn,
    PartyGroupOut,
    PartyMemberCreateIn,
    PartyMemberFilters,
    PartyMemberOut,
    PartyMemberPage,
    PartyMemberUpdateIn,
    PartyMyRecordOut,
    PartyPairingIn,
    PartyPairingOut,
    PartyPairingPage,
    PartyReportIn,
    PartyReportOut,
    PartyResponsibilityCaseOut,
    PartyResponsibilityCasePage,
    PartyResponsibilityIn,
    PartyResponsibilityOut,
    PartyResponsibilityPage,
    PartySeatIn,
    PartySeatOut,
    PartyUnitIn,
    PartyUnitOut,
    PartyUnitPage,
)
from shequgang.party.selectors import coverage, member_search, responsibility_cases
from shequgang.people.scope import access_place
from shequgang.places.models import Kind, Place
from shequgang.places.schemas import PlaceRef

router = Router(tags=["党建引领"])


def _place(user: User, pk: int | None, what: str = "地点") -> Place | None:
    """A place the user may see in the party view (or the register); NotFound else."""
    if pk is None:
        return None
    try:
        return access_place(user, pk, access.VIEW)
    except NotFound:
        raise NotFound(what) from None


def _required_place(user: User, pk: int, what: str = "地点") -> Place:
    place = _place(user, pk, what)
    assert place is not None
    return place


def _community(pk: int) -> Place:
    """Communities are public names: anyone may name one to report to."""
    place = Place.objects.filter(pk=pk, kind=Kind.COMMUNITY).first()
    if place is None:
        raise NotFound("社区")
    return place


def _get(qs: Any, pk: int | None, what: str) -> Any:
    if pk is None:
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(what)
    return found


def _dump(schema: Any, obj: Model | dict[str, Any]) -> Any:
    return schema.model_validate(obj).model_dump(mode="json")


def _branch_out(branch: Branch) -> PartyBranchOut:
    return PartyBranchOut.model_validate(
        {
            **{f: getattr(branch, f) for f in ("id", "name", "mode", "founded_on")},
            "mode_label": branch.get_mode_display(),
            "committee": branch.committee,
            "compounds": list(branch.compounds.order_by("name")),
            "secretary": branch.secretary,
            "secretary_chairs_owners_committee": branch.secretary_chairs_owners_committee,
        }
    )


def _central_out(central: CentralHousehold) -> PartyCentralOut:
    return PartyCentralOut.model_validate(
        {
            "id": central.pk,
            "member": central.member,
            "household": central.household,
            "links": [link.household for link in central.links.select_related("household")],
        }
    )


# --- Coverage and organisation ------------------------------------------------------------


@router.get(
    "/coverage/{int:place_id}",
    response={200: PartyCoverageOut, **errors(404)},
    summary="党组织覆盖情况（本区域及下级）",
)
def coverage_of(request: HttpRequest, place_id: PathId) -> PartyCoverageOut:
    user = request_user(request)
    place = _required_place(user, place_id)
    figures = coverage(root=place)
    return PartyCoverageOut(
        place=PlaceRef.from_orm(place),
        branch_share=figures.branch_share,
        **asdict(figures),
    )


@router.post(
    "/committees",
    response={201: PartyCommitteeOut, **errors(400, 404, 409)},
    summary="设立社区党组织（党委/党总支）",
)
def committee_add(request: HttpRequest, payload: PartyCommitteeIn) -> Status[Any]:
    user = request_user(request)
    community = _required_place(user, payload.community_id, "社区")

    def write() -> tuple[int, Any]:
        committee = services.committee_create(
            actor=user, community=community, name=payload.name, kind=payload.kind
        )
        return 201, _dump(PartyCommitteeOut, committee)

    return idempotent_status(request, "party.committee.create", payload, write)


def _branch_input(user: User, payload: PartyBranchIn) -> services.BranchInput:
    compounds = [_required_place(user, pk, "小区") for pk in payload.compound_ids]
    return services.BranchInput(
        name=payload.name,
        mode=payload.mode,
        compounds=compounds,
        secretary=_get(access.scoped_members(user), payload.secretary_id, "党员"),
        secretary_chairs_owners_committee=payload.secretary_chairs_owners_committee,
        founded_on=payload.founded_on,
    )


@router.post(
    "/branches",
    response={201: PartyBranchOut, **errors(400, 404, 409)},
    summary="建立小区党支部（单建或联建）",
)
def branch_add(request: HttpRequest, payload: PartyBranchIn) -> Status[Any]:
    user = request_user(request)
    committee = access.access_committee(user, payload.committee_id)
    data = _branch_input(user, payload)

    def write() -> tuple[int, Any]:
        branch = services.branch_create(actor=user, committee=committee, data=data)
        return 201, _branch_out(branch).model_dump(mode="json")

    return idempotent_status(request, "party.branch.create", payload, write)


@router.get(
    "/branches/{int:branch_id}", response={200: PartyBranchOut, **errors(404)}, summary="党支部详情"
)
def branch_detail(request: HttpRequest, branch_id: PathId) -> PartyBranchOut:
    return _branch_out(access.access_branch(request_user(request), branch_id))


@router.put(
    "/branches/{int:branch_id}",
    response={200: PartyBranchOut, **errors(400, 404, 409)},
    summary="修改党支部（名称、书记、一肩挑、覆盖小区）",
)
def branch_change(
    request: HttpRequest, branch_id: PathId, payload: PartyBranchIn
) -> PartyBranchOut:
    user = request_user(request)
    branch = access.access_branch(user, branch_id)
    branch = services.branch_update(actor=user, branch=branch, data=_branch_input(user, payload))
    return _branch_out(branch)


@router.post(
    "/groups", response={201: PartyGroupOut, **errors(400, 404, 409)}, summary="建立楼栋党小组"
)
def group_add(request: HttpRequest, payload: PartyGroupIn) -> Status[Any]:
    user = request_user(request)
    branch = access.access_branch(user, payload.branch_id)
    building = _required_place(user, payload.building_id, "楼栋")
    leader = _get(access.scoped_members(user), payload.leader_id, "党员")

    def write() -> tuple[int, Any]:
        group = services.group_create(
            actor=user, branch=branch, building=building, name=payload.name, leader=leader
        )
        return 201, _dump(PartyGroupOut, group)

    return idempotent_status(request, "party.group.create", payload, write)


@router.post(
    "/central-households",
    response={201: PartyCentralOut, **errors(400, 404, 409)},
    summary="设立党员中心户",
)
def central_add(request: HttpRequest, payload: PartyCentralIn) -> Status[Any]:
    user = request_user(request)
    member = access.access_member(user, payload.member_id)
    household = _required_place(user, payload.household_id, "户")
    group = _get(access.scoped_groups(user), payload.group_id, "党小组")

    def write() -> tuple[int, Any]:
        central = services.central_household_create(
            actor=user, member=member, household=household, group=group
        )
        return 201, _central_out(central).model_dump(mode="json")

    return idempotent_status(request, "party.central.create", payload, write)


@router.post(
    "/central-households/{int:central_id}/links",
    response={200: PartyCentralOut, **errors(400, 404, 409)},
    summary="添加联系户",
)
def central_links(
    request: HttpRequest, central_id: PathId, payload: PartyCentralLinksIn
) -> PartyCentralOut:
    user = request_user(request)
    central: CentralHousehold = _get(
        access.scoped_central_households(user).select_related("household"), central_id, "党员中心户"
    )
    households = [_required_place(user, pk, "户") for pk in payload.household_ids]
    services.central_household_link(actor=user, central=central, households=households)
    return _central_out(central)


@router.post(
    "/seats",
    response={201: PartySeatOut, **errors(400, 404)},
    summary="登记业委会/物管会/居委会成员及党内职务（交叉任职）",
)
def seat_add(request: HttpRequest, payload: PartySeatIn) -> Status[Any]:
    user = request_user(request)
    place = _required_place(user, payload.place_id)
    member = _get(access.scoped_members(user), payload.member_id, "党员")

    def write() -> tuple[int, Any]:
        seat = services.committee_seat_create(
            actor=user,
            place=place,
            body=payload.body,
            role=payload.role,
            name=payload.name,
            member=member,
            party_post=payload.party_post,
            started_on=payload.started_on,
        )
        return 201, _dump(PartySeatOut, seat)

    return idempotent_status(request, "party.seat.create", payload, write)


# --- Members and 双报到 --------------------------------------------------------------------


@router.get("/members", response={200: PartyMemberPage, **errors(404)}, summary="党员名册（脱敏）")
def member_list(request: HttpRequest, filters: Query[PartyMemberFilters]) -> PartyMemberPage:
    user = request_user(request)
    within = _place(user, filters.community_id)
    found = member_search(user=user, query=filters.q, community=within, status=filters.status)
    return PartyMemberPage.model_validate(page_of(found, filters))


@router.get(
    "/members/{int:member_id}", response={200: PartyMemberOut, **errors(404)}, summary="党员"
)
def member_detail(request: HttpRequest, member_id: PathId) -> Member:
    return access.access_member(request_user(request), member_id)


@router.post(
    "/members",
    response={201: PartyMemberOut, **errors(400, 404, 409)},
    summary="登记党员（身份证号或单位登记号，自动去重）",
)
def member_add(request: HttpRequest, payload: PartyMemberCreateIn) -> Status[Any]:
    user = request_user(request)
    community = _required_place(user, payload.community_id, "社区")
    data = services.MemberInput(
        name=payload.name,
        community=community,
        status=payload.status,
        id_number=payload.id_number,
        work_unit=_get(PairedUnit.objects.filter(active=True), payload.work_unit_id, "单位"),
        employee_number=payload.employee_number,
        phone=payload.phone,
        branch=_get(access.scoped_branches(user), payload.branch_id, "党支部"),
        group=_get(access.scoped_groups(user), payload.group_id, "党小组"),
        joined_on=payload.joined_on,
    )

    def write() -> tuple[int, Any]:
        return 201, _dump(PartyMemberOut, services.member_register(actor=user, data=data))

    return idempotent_status(request, "party.member.register", payload, write)


@router.patch(
    "/members/{int:member_id}",
    response={200: PartyMemberOut, **errors(400, 404, 409)},
    summary="修改党员信息",
)
def member_change(request: HttpRequest, member_id: PathId, payload: PartyMemberUpdateIn) -> Member:
    user = request_user(request)
    member = access.access_member(user, member_id)
    change = services.MemberChange(
        name=payload.name,
        status=payload.status,
        phone=payload.phone,
        branch=_get(access.scoped_branches(user), payload.branch_id, "党支部"),
        group=_get(access.scoped_groups(user), payload.group_id, "党小组"),
        active=payload.active,
    )
    return services.member_update(actor=user, member=member, change=change)


@router.get(
    "/me", response={200: PartyMyRecordOut, **errors(404)}, summary="我的党员档案与报到记录"
)
def my_record(request: HttpRequest) -> PartyMyRecordOut:
    user = request_user(request)
    member = Member.objects.filter(user=user).first()
    if member is None:
        raise NotFound("党员档案")
    return PartyMyRecordOut.model_validate(
        {
            "member": member,
            "reports": list(member.reports.select_related("community", "residence")),
            "responsibilities": list(
                member.responsibilities.select_related("place", "unit").order_by("id")
            ),
        }
    )


@router.get(
    "/members/{int:member_id}/reports",
    response={200: list[PartyReportOut], **errors(404)},
    summary="双报到记录（含历史）",
)
def report_history(request: HttpRequest, member_id: PathId) -> list[MemberReport]:
    user = request_user(request)
    member = access.access_member(user, member_id)
    return list(
        access.scoped_reports(user)
        .filter(member=member)
        .select_related("member", "community", "residence")
    )


@router.post(
    "/members/{int:member_id}/reports",
    response={201: PartyReportOut, **errors(400, 404, 409)},
    summary="双报到：向居住地社区报到（迁居时自动结束原报到）",
)
def report_add(request: HttpRequest, member_id: PathId, payload: PartyReportIn) -> Status[Any]:
    user = request_user(request)
    member = access.access_member(user, member_id)
    community = _community(payload.community_id)
    residence = None
    if payload.residence_id is not None:
        residence = Place.objects.filter(pk=payload.residence_id).first()
        if residence is None:
            raise NotFound("居住地")

    def write() -> tuple[int, Any]:
        report = reporting.member_report(
            actor=user, member=member, community=community, residence=residence
        )
        return 201, _dump(PartyReportOut, report)

    return idempotent_status(request, f"party.report.{member.pk}", payload, write)


@router.post(
    "/reports/{int:report_id}/end",
    response={200: PartyReportOut, **errors(400, 404, 409)},
    summary="结束报到",
)
def report_end(request: HttpRequest, report_id: PathId, payload: PartyEndIn) -> MemberReport:
    user = request_user(request)
    report = access.access_report(user, report_id)
    return reporting.member_report_end(actor=user, report=report, reason=payload.reason)


# --- Units and pairings -------------------------------------------------------------------


@router.get("/units", response={200: PartyUnitPage, **errors()}, summary="报到单位")
def unit_list(request: HttpRequest, page: Query[PageParams]) -> PartyUnitPage:
    user = request_user(request)
    found = access.scoped_units(user).select_related("place").order_by("id")
    return PartyUnitPage.model_validate(page_of(found, page))


@router.post("/units", response={201: PartyUnitOut, **errors(400, 404, 409)}, summary="登记单位")
def unit_add(request: HttpRequest, payload: PartyUnitIn) -> Status[Any]:
    user = request_user(request)
    place = _required_place(user, payload.place_id)

    def write() -> tuple[int, Any]:
        unit = reporting.unit_create(
            actor=user,
            place=place,
            name=payload.name,
            kind=payload.kind,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            offers=payload.offers,
        )
        return 201, _dump(PartyUnitOut, unit)

    return idempotent_status(request, "party.unit.create", payload, write)


@router.get("/pairings", response={200: PartyPairingPage, **errors()}, summary="结对共建")
def pairing_list(request: HttpRequest, page: Query[PageParams]) -> PartyPairingPage:
    user = request_user(request)
    found = access.scoped_pairings(user).select_related("unit", "community").order_by("id")
    return PartyPairingPage.model_validate(page_of(found, page))


@router.post(
    "/pairings", response={201: PartyPairingOut, **errors(400, 404, 409)}, summary="登记结对共建"
)
def pairing_add(request: HttpRequest, payload: PartyPairingIn) -> Status[Any]:
    user = request_user(request)
    # Units are public organisations: any active one may be paired with.
    unit = _get(PairedUnit.objects.filter(active=True), payload.unit_id, "单位")
    community = _required_place(user, payload.community_id, "社区")

    def write() -> tuple[int, Any]:
        pairing = reporting.pairing_create(
            actor=user,
            unit=unit,
            community=community,
            started_on=payload.started_on,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            offer=payload.offer,
        )
        return 201, _dump(PartyPairingOut, pairing)

    return idempotent_status(request, "party.pairing.create", payload, write)


@router.post(
    "/pairings/{int:pairing_id}/end",
    response={200: PartyPairingOut, **errors(400, 404, 409)},
    summary="结束结对",
)
def pairing_finish(request: HttpRequest, pairing_id: PathId, payload: PartyEndOnIn) -> UnitPairing:
    user = request_user(request)
    pairing = access.access_pairing(user, pairing_id)
    return reporting.pairing_end(actor=user, pairing=pairing, ended_on=payload.ended_on)


# --- 双包联 -------------------------------------------------------------------------------


@router.get(
    "/responsibilities",
    response={200: PartyResponsibilityPage, **errors()},
    summary="双包联（本人辖区、本人或本单位）",
)
def responsibility_list(request: HttpRequest, page: Query[PageParams]) -> PartyResponsibilityPage:
    user = request_user(request)
    found = access.scoped_responsibilities(user).select_related("unit", "member", "place")
    return PartyResponsibilityPage.model_validate(page_of(found.order_by("id"), page))


@router.post(
    "/responsibilities",
    response={201: PartyResponsibilityOut, **errors(400, 404, 409)},
    summary="登记双包联",
)
def responsibility_add(request: HttpRequest, payload: PartyResponsibilityIn) -> Status[Any]:
    user = request_user(request)
    place = _required_place(user, payload.place_id)
    unit = _get(PairedUnit.objects.filter(active=True), payload.unit_id, "单位")
    member = _get(access.scoped_members(user), payload.member_id, "党员")

    def write() -> tuple[int, Any]:
        item = reporting.responsibility_assign(
            actor=user,
            place=place,
            unit=unit,
            member=member,
            started_on=payload.started_on,
            note=payload.note,
        )
        return 201, _dump(PartyResponsibilityOut, item)

    return idempotent_status(request, "party.responsibility.assign", payload, write)


@router.post(
    "/responsibilities/{int:item_id}/end",
    response={200: PartyResponsibilityOut, **errors(400, 404, 409)},
    summary="结束双包联",
)
def responsibility_finish(
    request: HttpRequest, item_id: PathId, payload: PartyEndOnIn
) -> Responsibility:
    user = request_user(request)
    item = access.access_responsibility(user, item_id)
    return reporting.responsibility_end(actor=user, responsibility=item, ended_on=payload.ended_on)


@router.get(
    "/responsibilities/cases",
    response={200: PartyResponsibilityCasePage, **errors()},
    summary="我包联的小区、楼栋、户的未办结事项（只读）",
)
def my_responsibility_cases(
    request: HttpRequest, page: Query[PageParams]
) -> PartyResponsibilityCasePage:
    user = request_user(request)
    found = page_of(responsibility_cases(user=user), page, build=_responsibility_case)
    return PartyResponsibilityCasePage.model_validate(found)


def _responsibility_case(c: Case) -> PartyResponsibilityCaseOut:
    return PartyResponsibilityCaseOut.model_validate(
        {
            "id": c.pk,
            "number": c.number,
            "title": c.title,
            "category": str(c.category),
            "status": c.status,
            "status_label": c.get_status_display(),
            "place": c.place,
            "created_at": c.created_at,
        }
    )
