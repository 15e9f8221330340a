"""The supply side's API, mounted at /api/v1/needs: resources, suggested matches,
projects, micro-wishes and partners, and their .xlsx 台账.

Every id goes through an ``access_*`` helper of ``supply_access`` (the same 404 for
missing and out of reach); every write through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from shequgang.apikit.auth import request_user
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.errors import NotFound
from shequgang.needs import supply_access as access
from shequgang.needs.access import access_demand, scoped_demands
from shequgang.needs.ledgers import LEDGERS, ledger_response
from shequgang.needs.matching import suggest_for_demand, suggest_for_resource
from shequgang.needs.partners import contribution_record, partner_rate, partner_register
from shequgang.needs.project_models import EvidenceKind, Milestone, Project
from shequgang.needs.projects import (
    evidence_add,
    match_accept,
    milestone_add,
    milestone_done,
    participant_add,
    project_create,
    project_transition,
)
from shequgang.needs.resources import ResourceInput, resource_create, resource_update
from shequgang.needs.supply_models import Resource
from shequgang.needs.supply_schemas import (
    ConfirmIn,
    ContributionIn,
    DemandSuggestionOut,
    FulfilIn,
    MatchIn,
    MilestoneIn,
    ParticipantIn,
    PartnerIn,
    PartnerOut,
    PartnerPageOut,
    ProjectIn,
    ProjectOut,
    ProjectPageOut,
    RatingIn,
    ResourceIn,
    ResourceOut,
    ResourcePageOut,
    ResourceUpdateIn,
    ReviewIn,
    SignoffIn,
    SuggestionOut,
    TransitionIn,
    WishIn,
    WishOut,
    WishPageOut,
    WishPublicOut,
    WishPublicPageOut,
    WithdrawIn,
)
from shequgang.needs.wishes import (
    stale_wishes,
    wish_claim,
    wish_confirm,
    wish_fulfil,
    wish_post,
    wish_review,
    wish_withdraw,
)
from shequgang.people.roles import Perm
from shequgang.people.scope import access_place, access_resident

router = Router(tags=["需求·资源·项目·微心愿·合伙人"])
_STEP = errors(400, 403, 404, 409)


def _resources(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    return qs.select_related("place", "unit", "partner").order_by("-created_at", "-id")


def _projects(qs: QuerySet[Project]) -> QuerySet[Project]:
    return qs.select_related("community", "owner").prefetch_related(
        "demand_links", "milestones", "evidence"
    )


# --- Resources ---------------------------------------------------------------------------


@router.get("/resources", response={200: ResourcePageOut, **errors()}, summary="资源清单")
def list_resources(
    request: HttpRequest, page: Query[PageParams], live: bool = False
) -> dict[str, Any]:
    user = request_user(request)
    qs = access.scoped_resources(user)
    if live:
        qs = qs.live(timezone.localdate())
    return page_of(_resources(qs), page, build=ResourceOut.build)


@router.post("/resources", response={201: ResourceOut, **_STEP}, summary="登记资源")
def create_resource(request: HttpRequest, payload: ResourceIn) -> Status[ResourceOut]:
    user = request_user(request)
    place = access.access_place_to_offer(user, payload.place_id)
    unit = access.access_unit_to_offer(user, payload.unit_id) if payload.unit_id else None
    partner = (
        access.access_partner_to_offer(user, payload.partner_id) if payload.partner_id else None
    )
    data = ResourceInput(
        type=payload.type,
        title=payload.title,
        place=place,
        capacity=payload.capacity,
        available_from=payload.available_from,
        available_until=payload.available_until,
        valid_until=payload.valid_until,
        days=payload.days,
        description=payload.description,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
    )
    volunteer = user if unit is None and partner is None else None
    resource = resource_create(
        actor=user, data=data, unit=unit, partner=partner, volunteer=volunteer
    )
    return Status(201, ResourceOut.build(resource))


@router.get(
    "/resources/{resource_id}", response={200: ResourceOut, **errors(404)}, summary="资源详情"
)
def get_resource(request: HttpRequest, resource_id: PathId) -> ResourceOut:
    return ResourceOut.build(access.access_resource(request_user(request), resource_id))


@router.patch("/resources/{resource_id}", response={200: ResourceOut, **_STEP}, summary="维护资源")
def update_resource(
    request: HttpRequest, resource_id: PathId, payload: ResourceUpdateIn
) -> ResourceOut:
    user = request_user(request)
    resource = access.access_resource(user, resource_id)
    row = resource_update(actor=user, resource=resource, **payload.model_dump(exclude_none=True))
    return ResourceOut.build(access.access_resource(user, row.pk))


@router.get(
    "/resources/{resource_id}/demands",
    response={200: list[DemandSuggestionOut], **errors(404)},
    summary="该资源可满足的需求（建议）",
)
def resource_demands(request: HttpRequest, resource_id: PathId) -> list[DemandSuggestionOut]:
    user = request_user(request)
    resource = access.access_resource(user, resource_id)
    found = suggest_for_resource(resource, today=timezone.localdate())
    visible = set(
        scoped_demands(user)
        .filter(pk__in=[s.demand.pk for s in found])
        .values_list("pk", flat=True)
    )
    return [DemandSuggestionOut.build(s) for s in found if s.demand.pk in visible]


# --- Matches -----------------------------------------------------------------------------


@router.get(
    "/demands/{demand_id}/matches",
    response={200: list[SuggestionOut], **errors(404)},
    summary="需求的建议匹配资源（由近及远，附理由）",
)
def demand_matches(request: HttpRequest, demand_id: PathId) -> list[SuggestionOut]:
    demand = access_demand(request_user(request), demand_id)
    return [SuggestionOut.build(s) for s in suggest_for_demand(demand, today=timezone.localdate())]


@router.post(
    "/demands/{demand_id}/matches",
    response={201: ProjectOut, **_STEP},
    summary="采纳匹配：新建或加入项目",
)
def accept_match(request: HttpRequest, demand_id: PathId, payload: MatchIn) -> Status[ProjectOut]:
    user = request_user(request)
    demand = access_demand(user, demand_id)
    resource = access.access_resource(user, payload.resource_id) if payload.resource_id else None
    if resource is None and payload.resource_id:
        raise NotFound("资源")
    project = access.access_project(user, payload.project_id) if payload.project_id else None
    project = match_accept(
        actor=user, demand=demand, resource=resource, project=project, title=payload.title
    )
    return Status(201, ProjectOut.build(_projects(Project.objects.all()).get(pk=project.pk)))


# --- Projects ----------------------------------------------------------------------------


@router.get("/projects", response={200: ProjectPageOut, **errors()}, summary="项目清单")
def list_projects(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = _projects(access.scoped_projects(request_user(request)))
    return page_of(qs.order_by("-created_at", "-id"), page, build=ProjectOut.build)


@router.post("/projects", response={201: ProjectOut, **_STEP}, summary="新建项目")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
    user = request_user(request)
    community = access_place(user, payload.community_id, access.MANAGE)
    project = project_create(
        actor=user,
        community=community,
        title=payload.title,
        description=payload.description,
        budget=payload.budget,
        participant_points=payload.participant_points,
    )
    return Status(201, ProjectOut.build(_projects(Project.objects.all()).get(pk=project.pk)))


def _project_out(pk: int) -> ProjectOut:
    return ProjectOut.build(_projects(Project.objects.all()).get(pk=pk))


@router.get("/projects/{project_id}", response={200: ProjectOut, **errors(404)}, summary="项目详情")
def get_project(request: HttpRequest, project_id: PathId) -> ProjectOut:
    return _project_out(access.access_project(request_user(request), project_id).pk)


@router.post(
    "/projects/{project_id}/milestones", response={201: ProjectOut, **_STEP}, summary="添加节点"
)
def add_milestone(
    request: HttpRequest, project_id: PathId, payload: MilestoneIn
) -> Status[ProjectOut]:
    user = request_user(request)
    project = access.access_project(user, project_id)
    milestone_add(actor=user, project=project, title=payload.title, due_on=payload.due_on)
    return Status(201, _project_out(project.pk))


@router.post(
    "/projects/{project_id}/milestones/{milestone_id}/done",
    response={200: ProjectOut, **_STEP},
    summary="节点完成",
)
def finish_milestone(request: HttpRequest, project_id: PathId, milestone_id: PathId) -> ProjectOut:
    user = request_user(request)
    project = access.access_project(user, project_id)
    milestone = Milestone.objects.filter(project=project, pk=milestone_id).first()
    if milestone is None:
        raise NotFound("项目节点")
    milestone_done(actor=user, milestone=milestone)
    return _project_out(project.pk)


@router.post(
    "/projects/{project_id}/participants", response={201: ProjectOut, **_STEP}, summary="添加参与人"
)
def add_participant(
    request: HttpRequest, project_id: PathId, payload: ParticipantIn
) -> Status[ProjectOut]:
    user = request_user(request)
    project = access.access_project(user, project_id)
    person = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if person is None:
        raise NotFound("用户")
    participant_add(actor=user, project=project, user=person, role=payload.role)
    return Status(201, _project_out(project.pk))


@router.post(
    "/projects/{project_id}/signoffs", response={201: ProjectOut, **_STEP}, summary="居民签字确认"
)
def add_signoff(request: HttpRequest, project_id: PathId, payload: SignoffIn) -> Status[ProjectOut]:
    user = request_user(request)
    project = access.access_project(user, project_id)
    evidence_add(
        actor=user,
        project=project,
        kind=EvidenceKind.SIGNOFF,
        signed_by=payload.signed_by,
        note=payload.note,
    )
    return Status(201, _project_out(project.pk))


@router.post(
    "/projects/{project_id}/transition",
    response={200: ProjectOut, **_STEP},
    summary="启动 / 完成 / 取消项目",
)
def transition_project(
    request: HttpRequest, project_id: PathId, payload: TransitionIn
) -> ProjectOut:
    user = request_user(request)
    project = access.access_project(user, project_id)
    project_transition(
        actor=user,
        project=project,
        to=payload.to,
        reason=payload.reason,
        beneficiaries=payload.beneficiaries,
    )
    return _project_out(project.pk)


# --- Wishes ------------------------------------------------------------------------------


def _wishes(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_related("community", "household").order_by("-posted_at", "-id")


@router.post(
    "/wishes", response={201: WishOut, **_STEP}, summary="登记微心愿（居民本人或工作人员代登记）"
)
def post_wish(request: HttpRequest, payload: WishIn) -> Status[WishOut]:
    user = request_user(request)
    household = (
        access_place(user, payload.household_id, Perm.CASE_RAISE) if payload.household_id else None
    )
    resident = access_resident(user, payload.resident_id) if payload.resident_id else None
    wish = wish_post(
        actor=user, type=payload.type, text=payload.text, household=household, resident=resident
    )
    return Status(
        201,
        WishOut.build(
            _wishes(access.own_wishes(user) | access.scoped_wishes(user)).get(pk=wish.pk)
        ),
    )


@router.get("/wishes", response={200: WishPageOut, **errors()}, summary="辖区微心愿（审核、跟进）")
def list_wishes(request: HttpRequest, page: Query[PageParams], status: str = "") -> dict[str, Any]:
    qs = access.scoped_wishes(request_user(request))
    if status:
        qs = qs.filter(status=status)
    return page_of(_wishes(qs), page, build=WishOut.build)


@router.get("/wishes/mine", response={200: WishPageOut, **errors()}, summary="我的心愿")
def my_wishes(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return page_of(_wishes(access.own_wishes(request_user(request))), page, build=WishOut.build)


@router.get(
    "/wishes/wall", response={200: WishPublicPageOut, **errors()}, summary="心愿墙（可认领）"
)
def wish_wall(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = access.wishes_to_claim(request_user(request)).filter(expires_at__gt=timezone.now())
    return page_of(_wishes(qs), page, build=WishPublicOut.build)


@router.get(
    "/wishes/claimed", response={200: WishPublicPageOut, **errors()}, summary="我认领的心愿"
)
def claimed_wishes(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return page_of(
        _wishes(access.claimer_wishes(request_user(request))), page, build=WishPublicOut.build
    )


@router.get(
    "/wishes/stale",
    response={200: WishPublicPageOut, **errors()},
    summary="久未认领的心愿（提醒支部）",
)
def wishes_stale(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = stale_wishes(request_user(request)).select_related("community")
    return page_of(qs, page, build=WishPublicOut.build)


@router.post("/wishes/{wish_id}/review", response={200: WishOut, **_STEP}, summary="审核心愿")
def review_wish(request: HttpRequest, wish_id: PathId, payload: ReviewIn) -> WishOut:
    user = request_user(request)
    wish = access.access_wish(user, wish_id)
    wish_review(
        actor=user,
        wish=wish,
        approve=payload.approve,
        public_text=payload.public_text,
        note=payload.note,
    )
    return WishOut.build(_wishes(access.scoped_wishes(user)).get(pk=wish.pk))


@router.post(
    "/wishes/{wish_id}/claim",
    response={200: WishPublicOut, **_STEP},
    summary="认领心愿（先到先得）",
)
def claim_wish(request: HttpRequest, wish_id: PathId) -> WishPublicOut:
    user = request_user(request)
    wish = wish_claim(actor=user, wish=access.access_wish_to_claim(user, wish_id))
    return WishPublicOut.build(wish)


@router.post(
    "/wishes/{wish_id}/fulfil", response={200: WishPublicOut, **_STEP}, summary="提交完成情况"
)
def fulfil_wish(request: HttpRequest, wish_id: PathId, payload: FulfilIn) -> WishPublicOut:
    user = request_user(request)
    wish = wish_fulfil(
        actor=user, wish=access.access_wish_to_claim(user, wish_id), proof_note=payload.proof_note
    )
    return WishPublicOut.build(wish)


def _own_or_scoped(user: Any, wish_id: int) -> Any:
    try:
        return access.access_own_wish(user, wish_id)
    except NotFound:
        return access.access_wish(user, wish_id)


@router.post(
    "/wishes/{wish_id}/confirm", response={200: WishOut, **_STEP}, summary="确认完成并致谢"
)
def confirm_wish(request: HttpRequest, wish_id: PathId, payload: ConfirmIn) -> WishOut:
    user = request_user(request)
    wish = wish_confirm(actor=user, wish=_own_or_scoped(user, wish_id), thanks=payload.thanks)
    return WishOut.build(wish)


@router.post("/wishes/{wish_id}/withdraw", response={200: WishOut, **_STEP}, summary="撤回心愿")
def withdraw_wish(request: HttpRequest, wish_id: PathId, payload: WithdrawIn) -> WishOut:
    user = request_user(request)
    wish = wish_withdraw(actor=user, wish=_own_or_scoped(user, wish_id), reason=payload.reason)
    return WishOut.build(wish)


# --- Partners ----------------------------------------------------------------------------


@router.get("/partners", response={200: PartnerPageOut, **errors()}, summary="社区合伙人")
def list_partners(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    qs = access.scoped_partners(request_user(request)).prefetch_related("ratings")
    return page_of(qs.order_by("community_id", "name"), page, build=PartnerOut.build)


@router.post("/partners", response={201: PartnerOut, **_STEP}, summary="登记合伙人")
def create_partner(request: HttpRequest, payload: PartnerIn) -> Status[PartnerOut]:
    user = request_user(request)
    community = access_place(user, payload.community_id, access.MANAGE)
    partner = partner_register(
        actor=user,
        community=community,
        name=payload.name,
        kind=payload.kind,
        offers=payload.offers,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        accepts_points=payload.accepts_points,
    )
    return Status(201, PartnerOut.build(partner))


@router.post(
    "/partners/{partner_id}/contributions", response={201: PartnerOut, **_STEP}, summary="记录贡献"
)
def add_contribution(
    request: HttpRequest, partner_id: PathId, payload: ContributionIn
) -> Status[PartnerOut]:
    user = request_user(request)
    partner = access.access_partner(user, partner_id)
    contribution_record(
        actor=user,
        partner=partner,
        description=payload.description,
        on=payload.on,
        hours=payload.hours,
    )
    return Status(201, PartnerOut.build(partner))


@router.post(
    "/partners/{partner_id}/ratings",
    response={201: PartnerOut, **_STEP},
    summary="评价合伙人（接受过服务的居民）",
)
def rate_partner(request: HttpRequest, partner_id: PathId, payload: RatingIn) -> Status[PartnerOut]:
    user = request_user(request)
    partner = access.access_partner_to_rate(user, partner_id)
    partner_rate(actor=user, partner=partner, stars=payload.stars, comment=payload.comment)
    return Status(201, PartnerOut.build(partner))


# --- 台账 --------------------------------------------------------------------------------


@router.get(
    "/ledgers/{name}.xlsx",
    response={200: None, **errors(404)},
    summary="导出台账（resources 资源清单、projects 项目清单、wishes 微心愿、partners 合伙人）",
)
def export_ledger(request: HttpRequest, name: str) -> HttpResponse:
    if name not in LEDGERS:
        raise NotFound("台账")
    return ledger_response(actor=request_user(request), name=name)
