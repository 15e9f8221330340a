"""Pages: the visitor's phone list (walking order, one-tap outcomes, demands heard), the
staff desk (campaigns, live coverage, the report, the 需求清单 with filters) and the 台账
exports. Views parse, call one service or selector and render; every id goes through an
``access_*`` helper."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.calendar.workdays import local_day
from shequgang.errors import DomainError, NotFound
from shequgang.needs import access
from shequgang.needs.campaigns import Visitor, campaign_close, campaign_open
from shequgang.needs.demands import ALLOWED, demand_record, demand_to_case, demand_transition
from shequgang.needs.exporting import Addresses, demands_export, visits_export
from shequgang.needs.forms import (
    CampaignForm,
    DemandFilterForm,
    DemandForm,
    TransitionForm,
    VisitForm,
)
from shequgang.needs.models import (
    CampaignStatus,
    Demand,
    DemandSource,
    DemandStatus,
    StopState,
)
from shequgang.needs.selectors import (
    campaign_coverage,
    campaign_report,
    list_stops,
    visitor_candidates,
)
from shequgang.needs.visits import moved_out_confirm, visit_record
from shequgang.people.roles import Perm
from shequgang.people.scope import (
    access_place,
    place_in_scope,
    scoped_places,
)
from shequgang.places.models import Kind, Place
from shequgang.spreadsheets.xlsx import xlsx_response
from shequgang.web.htmx import HtmxRequest, render_page_or_partial
from shequgang.web.request_user import request_user

EVENT_LABELS = {
    "created": "登记",
    "heard_again": "再次反映",
    "status": "状态变更",
    "to_case": "转为诉求",
}
STATUS_LABELS = dict(DemandStatus.choices)


def _found(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except NotFound as err:
        raise Http404(err.message) from None


def _fail(request: HttpRequest, err: DomainError) -> None:
    messages.error(request, err.message)


# --- Home and campaigns ------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Campaigns in scope, and the user's own visit lists."""
    user = request_user(request)
    campaigns = (
        access.scoped_campaigns(user)
        .select_related("community")
        .order_by("status", "-starts_on", "-pk")[:50]
    )
    my_lists = (
        access.scoped_lists(user)
        .filter(visitor=user, campaign__status=CampaignStatus.OPEN)
        .select_related("campaign")
        .order_by("-pk")
    )
    communities = scoped_places(user, access.MANAGE).filter(kind=Kind.COMMUNITY).order_by("name")
    return render(
        request,
        "needs/home.html",
        {"campaigns": campaigns, "my_lists": my_lists, "communities": communities[:50]},
    )


def _community(request: HttpRequest, community_id: Any) -> Place:
    place: Place = _found(access_place, request.user, community_id, access.MANAGE)
    if place.kind != Kind.COMMUNITY:
        raise Http404("请选择社区")
    return place


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest, community_id: int) -> HttpResponse:
    user = request_user(request)
    community = _community(request, community_id)
    targets = list(
        Place.objects.subtree_of(community)
        .filter(kind__in=[Kind.COMPOUND, Kind.BUILDING])
        .order_by("path")[:500]
    )
    candidates = visitor_candidates(community)
    form = CampaignForm(
        request.POST or None,
        targets=[(t.pk, t.full_name(below=Kind.COMPOUND)) for t in targets],
        visitors=[(u.pk, f"{u.get_full_name() or u.username}") for u, _ in candidates],
        initial={"starts_on": local_day(timezone.now())},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {t.pk: t for t in targets}
        roles = {u.pk: (u, role) for u, role in candidates}
        try:
            campaign = campaign_open(
                actor=user,
                community=community,
                title=d["title"],
                goal=d["goal"],
                targets=[chosen[pk] for pk in d["targets"]],
                visitors=[Visitor(*roles[pk]) for pk in d["visitors"]],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
            )
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, f"已发起“{campaign.title}”，共{campaign.household_count}户")
            return redirect("needs:campaign", campaign_id=campaign.pk)
    return render(request, "needs/campaign_new.html", {"community": community, "form": form})


def _coverage_context(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    campaign = _found(access.access_campaign, request.user, campaign_id)
    compounds, buildings = campaign_coverage(campaign)
    return {
        "campaign": campaign,
        "compounds": compounds,
        "buildings": buildings,
        "report": campaign_report(campaign),
        "may_manage": access.may_manage(request.user, campaign.community),
    }


@login_required
@require_GET
def campaign_page(request: HtmxRequest, campaign_id: int) -> HttpResponse:
    """The campaign's desk page; its coverage part refreshes itself (htmx) while open."""
    context = _coverage_context(request, campaign_id)
    lists = context["campaign"].lists.select_related("visitor").order_by("pk")
    return render_page_or_partial(
        request,
        "needs/campaign.html",
        "needs/_coverage.html",
        {**context, "lists": lists},
    )


@login_required
@require_GET
def campaign_report_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return render(request, "needs/report.html", _coverage_context(request, campaign_id))


@login_required
@require_POST
def campaign_close_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _found(access.access_campaign, request.user, campaign_id)
    try:
        campaign_close(
            actor=request.user, campaign=campaign, summary=request.POST.get("summary", "")
        )
    except NotFound as err:
        raise Http404(err.message) from None
    except DomainError as err:
        _fail(request, err)
    return redirect("needs:report", campaign_id=campaign.pk)


# --- The visitor's phone page --------------------------------------------------------------


@login_required
@require_GET
def visit_list_page(request: HttpRequest, list_id: int) -> HttpResponse:
    """A visitor's households in walking order, each with one-tap outcomes."""
    user = request_user(request)
    visit_list = _found(access.access_visit_list, user, list_id)
    stops = list(list_stops(visit_list))
    address = Addresses()
    demands: dict[int, list[Demand]] = {}
    for d in access.scoped_demands(user).filter(
        campaign=visit_list.campaign, household__in=[s.household_id for s in stops]
    ):
        demands.setdefault(d.household_id or 0, []).append(d)
    today = local_day(timezone.now())
    open_ = visit_list.campaign.status == CampaignStatus.OPEN
    rows = [
        {
            "stop": s,
            "address": address(s.household),
            "demands": demands.get(s.household_id, []),
            "due": s.state == StopState.NOT_HOME and s.revisit_on and s.revisit_on <= today,
            "may_raise": open_ and place_in_scope(user, Perm.CASE_RAISE, s.household),
        }
        for s in stops
    ]
    done = sum(1 for s in stops if s.state != StopState.PENDING and s.state != StopState.NOT_HOME)
    return render(
        request,
        "needs/visit_list.html",
        {
            "visit_list": visit_list,
            "rows": rows,
            "done": done,
            "total": len(stops),
            "tomorrow": today + dt.timedelta(days=1),
            "demand_form": DemandForm(),
            "open": open_,
            "may_manage": access.may_manage(user, visit_list.campaign.community),
        },
    )


def _back_to_list(stop_list_id: int, stop_id: int) -> HttpResponse:
    response = redirect("needs:visit_list", list_id=stop_list_id)
    response["Location"] += f"#stop-{stop_id}"
    return response


@login_required
@require_POST
def visit_add(request: HttpRequest, stop_id: int) -> HttpResponse:
    stop = _found(access.access_stop, request.user, stop_id)
    form = VisitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "走访结果或回访日期不正确")
        return _back_to_list(stop.visit_list_id, stop.pk)
    d = form.cleaned_data
    try:
        visit_record(
            actor=request.user,
            stop=stop,
            outcome=d["outcome"],
            met_whom=d["met_whom"],
            revisit_on=d["revisit_on"],
            note=d["note"],
        )
    except NotFound as err:
        raise Http404(err.message) from None
    except DomainError as err:
        _fail(request, err)
    return _back_to_list(stop.visit_list_id, stop.pk)


@login_required
@require_POST
def demand_add(request: HttpRequest, stop_id: int) -> HttpResponse:
    """A demand heard at the household's latest visit."""
    stop = _found(access.access_stop, request.user, stop_id)
    form = DemandForm(request.POST)
    visit = stop.visits.order_by("-visited_at", "-pk").first()
    if visit is None:
        messages.error(request, "请先记录走访结果")
    elif not form.is_valid():
        messages.error(request, "请填写需求类型和描述")
    else:
        d = form.cleaned_data
        try:
            _demand, created = demand_record(
                actor=request.user,
                place=stop.household,
                type=d["type"],
                description=d["description"],
                urgency=d["urgency"],
                consent=d["consent"],
                source=DemandSource.VISIT,
                visit=visit,
            )
        except NotFound as err:
            raise Http404(err.message) from None
        except DomainError as err:
            _fail(request, err)
        else:
            if not created:
                messages.info(request, "该户已有同类需求，已记入原需求")
    return _back_to_list(stop.visit_list_id, stop.pk)


@login_required
@require_POST
def moved_out_confirm_view(request: HttpRequest, stop_id: int) -> HttpResponse:
    stop = _found(access.access_stop, request.user, stop_id)
    try:
        count = moved_out_confirm(actor=request.user, stop=stop)
    except NotFound as err:
        raise Http404(err.message) from None
    except DomainError as err:
        _fail(request, err)
    else:
        messages.success(request, f"已在户籍台账登记迁出{count}人")
    return redirect("needs:report", campaign_id=stop.campaign_id)


# --- The 需求清单 -------------------------------------------------------------------------


def _filtered_demands(request: HttpRequest) -> tuple[Any, DemandFilterForm, Place | None]:
    user = request_user(request)
    form = DemandFilterForm(request.GET or None)
    qs = access.scoped_demands(user)
    place = None
    if form.is_valid():
        d = form.cleaned_data
        for key in ("status", "type", "urgency"):
            if d[key]:
                qs = qs.filter(**{key: d[key]})
        if d["campaign"]:
            qs = qs.filter(campaign=_found(access.access_campaign, user, d["campaign"]))
        if d["place"]:
            place = _found(access_place, user, d["place"], access.VIEW)
            qs = qs.filter(place__path__descendant=place.path)
    return qs, form, place


@login_required
@require_GET
def demand_list(request: HtmxRequest) -> HttpResponse:
    qs, form, _ = _filtered_demands(request)
    page = Paginator(
        qs.select_related("place", "case").order_by("-created_at", "-pk"), 50
    ).get_page(request.GET.get("page"))
    address = Addresses()
    return render_page_or_partial(
        request,
        "needs/demands.html",
        "needs/_demand_rows.html",
        {
            "form": form,
            "page": page,
            "rows": [(d, address(d.place)) for d in page],
            "query": request.GET.copy().urlencode() if request.GET else "",
        },
    )


@login_required
@require_GET
def demand_page(request: HttpRequest, demand_id: int) -> HttpResponse:
    demand = _found(access.access_demand, request.user, demand_id)
    return render(
        request,
        "needs/demand.html",
        {
            "demand": demand,
            "address": Addresses()(demand.place),
            "events": [
                (e, EVENT_LABELS.get(e.kind, e.kind), STATUS_LABELS.get(e.to_status, ""))
                for e in demand.events.select_related("actor").order_by("at", "pk")
            ],
            "moves": [
                (s, label) for s, label in DemandStatus.choices if s in ALLOWED[demand.status]
            ],
            "may_manage": access.may_manage(request.user, demand.place),
            "may_raise": demand.case_id is None
            and place_in_scope(request.user, Perm.CASE_RAISE, demand.place),
        },
    )


@login_required
@require_POST
def demand_status(request: HttpRequest, demand_id: int) -> HttpResponse:
    demand = _found(access.access_demand, request.user, demand_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择新状态")
        return redirect("needs:demand", demand_id=demand.pk)
    try:
        demand_transition(
            actor=request.user,
            demand=demand,
            to=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        )
    except NotFound as err:
        raise Http404(err.message) from None
    except DomainError as err:
        _fail(request, err)
    return redirect("needs:demand", demand_id=demand.pk)


@login_required
@require_POST
def demand_case(request: HttpRequest, demand_id: int) -> HttpResponse:
    """One tap: the demand becomes a case; back where the tap came from."""
    demand = _found(access.access_demand, request.user, demand_id)
    try:
        case = demand_to_case(actor=request.user, demand=demand)
    except NotFound as err:
        raise Http404(err.message) from None
    except DomainError as err:
        _fail(request, err)
    else:
        messages.success(request, f"已转为诉求 {case.number}")
    stop_id = request.POST.get("stop", "")
    if stop_id.isdigit():
        stop = access.scoped_stops(request_user(request)).filter(pk=int(stop_id)).first()
        if stop is not None:
            return _back_to_list(stop.visit_list_id, stop.pk)
    return redirect("needs:demand", demand_id=demand.pk)


# --- 台账 exports --------------------------------------------------------------------------


@login_required
@require_GET
def demands_xlsx(request: HttpRequest) -> HttpResponse:
    qs, _, place = _filtered_demands(request)
    file = demands_export(actor=request.user, demands=qs, scope=place)
    response = xlsx_response(file.content, file.filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def visits_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user: User = request_user(request)
    campaign = _found(access.access_campaign, user, campaign_id)
    file = visits_export(
        actor=user,
        visits=access.scoped_visits(user).filter(campaign=campaign),
        scope=campaign.community,
    )
    response = xlsx_response(file.content, file.filename)
    response["Cache-Control"] = "no-store"
    return response
