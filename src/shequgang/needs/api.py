"""敲门行动 and 需求清单 API (mounted at /api/v1/needs).

Every id goes through ``needs.access`` (the same 404 for missing and out of scope); every
write calls one service. Creating POSTs honour ``Idempotency-Key``: a retry with the same
key returns the first response."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import idempotent_status
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.cases.models import Category
from shequgang.errors import NotFound
from shequgang.needs import access
from shequgang.needs.campaigns import Visitor, campaign_close, campaign_open
from shequgang.needs.demands import demand_record, demand_to_case, demand_transition
from shequgang.needs.exporting import Addresses
from shequgang.needs.models import COVERED_STATES, Campaign, Demand, ListHousehold
from shequgang.needs.schemas import (
    NeedsCampaignDetailOut,
    NeedsCampaignIn,
    NeedsCampaignOut,
    NeedsCampaignPage,
    NeedsCaseIn,
    NeedsCaseOut,
    NeedsCloseIn,
    NeedsCoverageOut,
    NeedsDemandFilters,
    NeedsDemandIn,
    NeedsDemandOut,
    NeedsDemandPage,
    NeedsDemandRecordedOut,
    NeedsListPage,
    NeedsStopOut,
    NeedsStopPage,
    NeedsTransitionIn,
    NeedsVisitIn,
    NeedsVisitOut,
    NeedsVisitPage,
)
from shequgang.needs.selectors import Coverage, campaign_coverage, list_stops
from shequgang.needs.visits import visit_record
from shequgang.people.scope import access_place
from shequgang.places.models import Place
from shequgang.places.schemas import PlaceRef

router = Router(tags=["敲门行动与需求清单"])


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    covered = ListHousehold.objects.filter(campaign=campaign, state__in=COVERED_STATES).count()
    return {
        **NeedsCampaignOut.model_validate(campaign).model_dump(mode="json"),
        "covered": covered,
    }


def _coverage(rows: list[Coverage]) -> list[NeedsCoverageOut]:
    return [
        NeedsCoverageOut(
            place=PlaceRef.from_orm(r.place),
            households=r.households,
            covered=r.covered,
            percent=r.percent,
        )
        for r in rows
    ]


# --- Campaigns -----------------------------------------------------------------------------


@router.get("/campaigns", response={200: NeedsCampaignPage, **errors()}, summary="敲门行动")
def campaign_list(request: HttpRequest, page: Query[PageParams]) -> NeedsCampaignPage:
    found = access.scoped_campaigns(request_user(request)).select_related("community")
    return NeedsCampaignPage.model_validate(
        page_of(found.order_by("-starts_on", "-pk"), page, build=_campaign_out)
    )


@router.post(
    "/campaigns",
    response={201: NeedsCampaignOut, **errors(400, 404, 409)},
    summary="发起敲门行动（按小区/楼栋生成走访清单）",
)
def campaign_add(request: HttpRequest, payload: NeedsCampaignIn) -> Status[Any]:
    user = request_user(request)
    community = access_place(user, payload.community_id, access.MANAGE)
    targets = [access_place(user, pk, access.VIEW) for pk in payload.target_ids]
    visitors = []
    for v in payload.visitors:
        found = User.objects.filter(pk=v.user_id, is_active=True).first()
        if found is None:
            raise NotFound("走访人")
        visitors.append(Visitor(found, v.role))

    def write() -> tuple[int, Any]:
        campaign = campaign_open(
            actor=user,
            community=community,
            title=payload.title,
            goal=payload.goal,
            targets=targets,
            visitors=visitors,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        )
        return 201, _campaign_out(campaign)

    return idempotent_status(request, "needs.campaign.create", payload, write)


@router.get(
    "/campaigns/{int:campaign_id}",
    response={200: NeedsCampaignDetailOut, **errors(404)},
    summary="敲门行动及各小区、楼栋覆盖情况",
)
def campaign_detail(request: HttpRequest, campaign_id: PathId) -> NeedsCampaignDetailOut:
    campaign = access.access_campaign(request_user(request), campaign_id)
    compounds, buildings = campaign_coverage(campaign)
    return NeedsCampaignDetailOut.model_validate(
        {
            **_campaign_out(campaign),
            "community": PlaceRef.from_orm(campaign.community),
            "compounds": _coverage(compounds),
            "buildings": _coverage(buildings),
        }
    )


@router.post(
    "/campaigns/{int:campaign_id}/close",
    response={200: NeedsCampaignOut, **errors(400, 404, 409)},
    summary="结束敲门行动",
)
def campaign_end(request: HttpRequest, campaign_id: PathId, payload: NeedsCloseIn) -> Any:
    user = request_user(request)
    campaign = access.access_campaign(user, campaign_id)
    return _campaign_out(campaign_close(actor=user, campaign=campaign, summary=payload.summary))


def _list_out(vl: Any) -> dict[str, Any]:
    return {
        "id": vl.pk,
        "campaign_id": vl.campaign_id,
        "visitor_id": vl.visitor_id,
        "visitor": vl.visitor.get_full_name() or vl.visitor.username,
        "role": vl.role,
        "households": vl.n,
        "covered": vl.done,
    }


@router.get(
    "/campaigns/{int:campaign_id}/lists",
    response={200: NeedsListPage, **errors(404)},
    summary="行动的走访清单",
)
def campaign_lists(
    request: HttpRequest, campaign_id: PathId, page: Query[PageParams]
) -> NeedsListPage:
    user = request_user(request)
    campaign = access.access_campaign(user, campaign_id)
    found = (
        access.scoped_lists(user)
        .filter(campaign=campaign)
        .select_related("visitor")
        .annotate(
            n=Count("households"),
            done=Count("households", filter=Q(households__state__in=COVERED_STATES)),
        )
        .order_by("pk")
    )
    return NeedsListPage.model_validate(
        page_of(
            found,
            page,
            build=_list_out,
        )
    )


@router.get(
    "/campaigns/{int:campaign_id}/visits",
    response={200: NeedsVisitPage, **errors(404)},
    summary="行动的走访记录",
)
def campaign_visits(
    request: HttpRequest, campaign_id: PathId, page: Query[PageParams]
) -> NeedsVisitPage:
    user = request_user(request)
    campaign = access.access_campaign(user, campaign_id)
    found = access.scoped_visits(user).filter(campaign=campaign).order_by("-visited_at", "-pk")
    return NeedsVisitPage.model_validate(page_of(found, page))


# --- A visitor's list ------------------------------------------------------------------------


@router.get(
    "/lists/{int:list_id}",
    response={200: NeedsStopPage, **errors(404)},
    summary="走访清单上的住户（按走访顺序）",
)
def list_households(request: HttpRequest, list_id: PathId, page: Query[PageParams]) -> Any:
    visit_list = access.access_visit_list(request_user(request), list_id)
    address = Addresses()
    return NeedsStopPage.model_validate(
        page_of(
            list_stops(visit_list),
            page,
            build=lambda s: {
                **NeedsStopOut.model_validate(
                    {
                        "id": s.pk,
                        "position": s.position,
                        "household": PlaceRef.from_orm(s.household),
                        "address": address(s.household),
                        "state": s.state,
                        "state_label": s.get_state_display(),
                        "revisit_on": s.revisit_on,
                        "last_visited_at": s.last_visited_at,
                    }
                ).model_dump()
            },
        )
    )


@router.post(
    "/stops/{int:stop_id}/visits",
    response={201: NeedsVisitOut, **errors(400, 404, 409)},
    summary="记录一次走访（见到/不在家/拒绝/已搬离）",
)
def visit_add(request: HttpRequest, stop_id: PathId, payload: NeedsVisitIn) -> Status[Any]:
    user = request_user(request)
    stop = access.access_stop(user, stop_id)

    def write() -> tuple[int, Any]:
        visit = visit_record(
            actor=user,
            stop=stop,
            outcome=payload.outcome,
            met_whom=payload.met_whom,
            revisit_on=payload.revisit_on,
            note=payload.note,
        )
        return 201, NeedsVisitOut.model_validate(visit).model_dump(mode="json")

    return idempotent_status(request, f"needs.visit.create.{stop.pk}", payload, write)


# --- The 需求清单 ---------------------------------------------------------------------------


def _demand_out(demand: Demand) -> dict[str, Any]:
    return NeedsDemandOut.model_validate(demand).model_dump(mode="json")


@router.get("/demands", response={200: NeedsDemandPage, **errors(404)}, summary="需求清单")
def demand_list(request: HttpRequest, filters: Query[NeedsDemandFilters]) -> NeedsDemandPage:
    user = request_user(request)
    found = access.scoped_demands(user).select_related("place")
    for key in ("status", "type", "urgency"):
        value = getattr(filters, key)
        if value:
            found = found.filter(**{key: value})
    if filters.campaign_id is not None:
        found = found.filter(campaign=access.access_campaign(user, filters.campaign_id))
    if filters.place_id is not None:
        place = access_place(user, filters.place_id, access.VIEW)
        found = found.filter(place__path__descendant=place.path)
    return NeedsDemandPage.model_validate(page_of(found.order_by("-created_at", "-pk"), filters))


@router.post(
    "/demands",
    response={201: NeedsDemandRecordedOut, 200: NeedsDemandRecordedOut, **errors(400, 404)},
    summary="登记需求（同户同类在办需求自动合并：返回200及原需求）",
)
def demand_add(request: HttpRequest, payload: NeedsDemandIn) -> Status[Any]:
    user = request_user(request)
    visit = access.access_visit(user, payload.visit_id) if payload.visit_id else None
    place: Place
    if visit is not None:
        place = visit.household
        if payload.place_id != place.pk:
            raise NotFound("地点")
    else:
        place = access_place(user, payload.place_id, access.VIEW)

    def write() -> tuple[int, Any]:
        demand, created = demand_record(
            actor=user,
            place=place,
            type=payload.type,
            description=payload.description,
            urgency=payload.urgency,
            consent=payload.consent,
            source=payload.source,
            visit=visit,
        )
        return (201 if created else 200), {**_demand_out(demand), "created": created}

    return idempotent_status(request, "needs.demand.create", payload, write)


@router.get(
    "/demands/{int:demand_id}", response={200: NeedsDemandOut, **errors(404)}, summary="需求"
)
def demand_detail(request: HttpRequest, demand_id: PathId) -> Demand:
    return access.access_demand(request_user(request), demand_id)


@router.post(
    "/demands/{int:demand_id}/transition",
    response={200: NeedsDemandOut, **errors(400, 404, 409)},
    summary="更新需求状态（无法满足、重新受理须说明原因）",
)
def demand_move(request: HttpRequest, demand_id: PathId, payload: NeedsTransitionIn) -> Demand:
    user = request_user(request)
    demand = access.access_demand(user, demand_id)
    return demand_transition(actor=user, demand=demand, to=payload.to, reason=payload.reason)


@router.post(
    "/demands/{int:demand_id}/case",
    response={201: NeedsCaseOut, **errors(400, 404, 409)},
    summary="需求一键转为诉求（来源：敲门走访）",
)
def demand_case(request: HttpRequest, demand_id: PathId, payload: NeedsCaseIn) -> Status[Any]:
    user = request_user(request)
    demand = access.access_demand(user, demand_id)
    category = None
    if payload.category is not None:
        category = Category.objects.filter(
            code=payload.category, parent__isnull=False, active=True
        ).first()
        if category is None:
            raise NotFound("事项类别")

    def write() -> tuple[int, Any]:
        case = demand_to_case(actor=user, demand=demand, category=category)
        return 201, {"demand_id": demand.pk, "case_id": case.pk, "case_number": case.number}

    return idempotent_status(request, f"needs.demand.case.{demand.pk}", payload, write)
