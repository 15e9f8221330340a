"""Pages: a resident's statement and the community's points supermarket (mobile first);
staff ledgers with filters and export, awards and adjustments, the pick-up desk and the
catalogue. Views parse, call one service or selector, and render; a community or order
outside the user's scope is the same 404 as a missing one.

Forms that move points carry a key generated when the page was rendered: a double tap
or a resubmitted form places one order, not two."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.errors import DomainError, NotFound
from shequgang.places.models import Place
from shequgang.points import access
from shequgang.points.catalogue import GoodsInput, goods_create, goods_update
from shequgang.points.exporting import XLSX_TYPE, ledger_export
from shequgang.points.forms import (
    AdjustmentForm,
    AwardForm,
    DeskFilterForm,
    GoodsCreateForm,
    GoodsEditForm,
    LedgerFilterForm,
)
from shequgang.points.models import EarningRule, OrderStatus
from shequgang.points.redemptions import order_cancel, order_confirm, order_place
from shequgang.points.selectors import (
    LedgerFilters,
    account_statement,
    catalogue,
    community_orders,
    ledger_entries,
    merchants,
    own_orders,
    pending_adjustments,
)
from shequgang.points.services import adjustment_decide, adjustment_request, points_award
from shequgang.web.htmx import HtmxRequest, render_page_or_partial
from shequgang.web.request_user import request_user

_KEY = re.compile(r"^[0-9a-f]{32}$")


def _form_key(request: HttpRequest) -> str:
    key = request.POST.get("key", "")
    if not _KEY.match(key):
        raise DomainError("invalid_form", "页面已过期，请刷新后重试")
    return key


def _community(request: HttpRequest, community_id: int, perm: str = access.VIEW) -> Place:
    try:
        return access.access_community(request.user, community_id, perm)
    except NotFound:
        raise Http404("社区不存在或无权访问") from None


def _person(username: str) -> User:
    found = User.objects.filter(username=username.strip(), is_active=True).first()
    if found is None:
        raise DomainError("unknown_user", "找不到该用户名")
    return found


# --- Residents -------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The resident's statement: balance per community, recent entries, orders."""
    accounts = list(access.own_accounts(request.user).order_by("community__path"))
    statements = [(a, list(account_statement(a)[:30])) for a in accounts]
    return render(
        request,
        "points/mine.html",
        {
            "statements": statements,
            "orders": list(own_orders(int(request.user.pk or 0))[:30]),
            "is_staff": access.has_perm(request.user, access.VIEW),
            "is_operator": access.operated_merchants(request.user).exists(),
        },
    )


@login_required
@require_GET
def shop(request: HttpRequest, community_id: int) -> HttpResponse:
    try:
        community = access.community_for_residents(community_id)
    except NotFound:
        raise Http404("社区不存在") from None
    account = access.own_accounts(request.user).filter(community=community).first()
    return render(
        request,
        "points/shop.html",
        {
            "community": community,
            "balance": account.balance if account else 0,
            "goods": catalogue(community),
            "merchants": merchants(community),
            "key": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def redeem(request: HttpRequest, community_id: int) -> HttpResponse:
    user = request_user(request)
    try:
        community = access.community_for_residents(community_id)
        key = _form_key(request)
        goods = merchant = None
        if request.POST.get("goods"):
            goods = access.goods_to_order(request.POST["goods"], community)
        else:
            merchant = access.merchant_to_order(request.POST.get("merchant"), community)
        outcome = order_place(
            actor=user,
            user=user,
            goods=goods,
            quantity=int(request.POST.get("quantity") or 1),
            merchant=merchant,
            points=int(request.POST["points"]) if merchant else None,
            idempotency_key=f"web-order:{user.pk}:{key}",
        )
    except (ValueError, KeyError):
        messages.error(request, "请求数据不正确")
        return redirect("points:shop", community_id=community_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("points:shop", community_id=community_id)
    order = outcome.order
    messages.success(
        request,
        f"兑换成功，取货码 {order.code}，已冻结 {order.points} 分"
        if outcome.created
        else f"该兑换已提交过（取货码 {order.code}），没有重复扣分",
    )
    return redirect("points:mine")


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = access.access_order(request.user, order_id)
        order_cancel(actor=request.user, order=order, reason=request.POST.get("reason", "")[:200])
    except NotFound:
        raise Http404("订单不存在或无权访问") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "订单已取消，积分已退回")
    back = request.POST.get("next", "")
    if back.startswith("/points/staff/"):
        return redirect(back)
    return redirect("points:mine")


# --- Staff -----------------------------------------------------------------------------


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    communities = access.scoped_communities(request.user)
    if not access.has_perm(request.user, access.VIEW):
        raise Http404("无权访问")
    page = Paginator(communities, 50).get_page(request.GET.get("page"))
    return render(request, "points/staff_home.html", {"page": page})


def _ledger_filters(form: LedgerFilterForm) -> LedgerFilters:
    if not form.is_valid():
        return LedgerFilters()
    d = form.cleaned_data
    return LedgerFilters(
        kind=d["kind"],
        source=d["source"],
        owner=d["owner"].strip(),
        date_from=d["date_from"],
        date_to=d["date_to"],
    )


def _ledger_context(request: HttpRequest, community: Place, **extra: Any) -> dict[str, Any]:
    form = LedgerFilterForm(request.GET or None)
    entries = ledger_entries(community, _ledger_filters(form))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    # The community's own rules replace the city-wide ones with the same code.
    rules: dict[str, str] = {}
    for r in EarningRule.objects.filter(
        Q(community__isnull=True) | Q(community=community), active=True
    ).order_by(F("community_id").asc(nulls_first=True)):
        rules[r.code] = r.name
    award_form = extra.pop("award_form", None) or AwardForm(initial={"key": uuid.uuid4().hex})
    rule_field = award_form.fields["rule_code"]
    assert isinstance(rule_field, forms.ChoiceField)
    rule_field.choices = sorted(rules.items())
    return {
        "community": community,
        "form": form,
        "page": page,
        "filters": filters,
        "query": filters.urlencode(),
        "award_form": award_form,
        "adjust_form": extra.pop("adjust_form", None) or AdjustmentForm(),
        "pending": pending_adjustments(community),
        "may_award": access.may_in_community(request.user, access.AWARD, community),
        "may_approve": access.may_in_community(request.user, access.APPROVE, community),
        "may_desk": access.may_in_community(request.user, access.DESK, community),
        **extra,
    }


@login_required
@require_GET
def ledger(request: HtmxRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id)
    return render_page_or_partial(
        request,
        "points/ledger.html",
        "points/_ledger_rows.html",
        _ledger_context(request, community),
    )


@login_required
@require_GET
def ledger_xlsx(request: HttpRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id)
    form = LedgerFilterForm(request.GET or None)
    file = ledger_export(
        actor=request.user,
        community=community,
        entries=ledger_entries(community, _ledger_filters(form)),
    )
    response = HttpResponse(file.content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def award(request: HttpRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id, access.AWARD)
    form = AwardForm(request.POST)
    context = _ledger_context(request, community, award_form=form)
    if form.is_valid() and _KEY.match(form.cleaned_data["key"]):
        d = form.cleaned_data
        try:
            txn = points_award(
                actor=request.user,
                user=_person(d["username"]),
                community=community,
                rule_code=d["rule_code"],
                hours=d["hours"],
                source_ref=d["source_ref"],
                reason=d["reason"],
                idempotency_key=f"web-award:{request.user.pk}:{d['key']}",
            )
        except DomainError as exc:
            return render(request, "points/ledger.html", {**context, "error": exc}, status=400)
        note = f"（超出上限 {txn.capped} 分未发放）" if txn.capped else ""
        messages.success(request, f"已发放 {txn.amount} 分{note}")
        return redirect("points:ledger", community_id=community.pk)
    return render(request, "points/ledger.html", context, status=400)


@login_required
@require_POST
def adjust(request: HttpRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id, access.AWARD)
    form = AdjustmentForm(request.POST)
    context = _ledger_context(request, community, adjust_form=form)
    if form.is_valid():
        d = form.cleaned_data
        try:
            adjustment_request(
                actor=request.user,
                user=_person(d["username"]),
                community=community,
                amount=d["amount"],
                reason=d["reason"],
            )
        except DomainError as exc:
            return render(request, "points/ledger.html", {**context, "error": exc}, status=400)
        messages.success(request, "调整申请已提交，须由另一位有审批权限的人员批准后生效")
        return redirect("points:ledger", community_id=community.pk)
    return render(request, "points/ledger.html", context, status=400)


@login_required
@require_POST
def adjustment_decision(request: HttpRequest, adjustment_id: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404("无此操作")
    try:
        adj = access.access_adjustment(request.user, adjustment_id)
    except NotFound:
        raise Http404("调整申请不存在或无权访问") from None
    try:
        adjustment_decide(actor=request.user, adjustment=adj, approve=decision == "approve")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已批准，积分已入账" if decision == "approve" else "已驳回")
    return redirect("points:ledger", community_id=adj.community_id)


@login_required
@require_GET
def desk(request: HtmxRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id, access.DESK)
    form = DeskFilterForm(request.GET or {"status": OrderStatus.HELD})
    status = form.cleaned_data["status"] if form.is_valid() else OrderStatus.HELD
    orders = community_orders(community, status)
    code = form.cleaned_data.get("code", "").strip().upper() if form.is_valid() else ""
    if code:
        orders = orders.filter(code=code)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render_page_or_partial(
        request,
        "points/desk.html",
        "points/_desk_rows.html",
        {"community": community, "form": form, "page": page, "filters": filters},
    )


@login_required
@require_POST
def desk_confirm(request: HtmxRequest, order_id: int) -> HttpResponse:
    try:
        order = access.access_order(request.user, order_id, access.DESK)
        order = order_confirm(actor=request.user, order=order)
    except NotFound:
        raise Http404("订单不存在或无权访问") from None
    except DomainError as exc:
        if request.htmx:
            return HttpResponse(f'<tr><td colspan="7" class="error">{exc.message}</td></tr>')
        messages.error(request, exc.message)
        return redirect("points:desk", community_id=order.community_id)
    if request.htmx:
        return render(request, "points/_desk_row.html", {"o": order})
    messages.success(request, f"订单 {order.code} 已确认领取")
    return redirect("points:desk", community_id=order.community_id)


@login_required
@require_http_methods(["GET", "POST"])
def goods_list(request: HttpRequest, community_id: int) -> HttpResponse:
    community = _community(request, community_id, access.DESK)
    form = GoodsCreateForm(request.POST or None, request.FILES or None, initial={"active": True})
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            goods_create(
                actor=request.user,
                community=community,
                data=GoodsInput(
                    name=d["name"],
                    price=d["price"],
                    description=d["description"],
                    active=d["active"],
                ),
                stock=d["stock"],
                photo=d["photo"],
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"已上架 {d['name']}")
            return redirect("points:goods", community_id=community.pk)
    return render(
        request,
        "points/goods.html",
        {
            "community": community,
            "goods": catalogue(community, include_inactive=True),
            "form": form,
            "error": error,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def goods_edit(request: HttpRequest, goods_id: int) -> HttpResponse:
    try:
        goods = access.access_goods(request.user, goods_id)
    except NotFound:
        raise Http404("商品不存在或无权访问") from None
    initial = {
        "name": goods.name,
        "price": goods.price,
        "description": goods.description,
        "active": goods.active,
        "restock": 0,
    }
    form = GoodsEditForm(request.POST or None, request.FILES or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            goods_update(
                actor=request.user,
                goods=goods,
                data=GoodsInput(
                    name=d["name"],
                    price=d["price"],
                    description=d["description"],
                    active=d["active"],
                ),
                restock=d["restock"] or 0,
                photo=d["photo"],
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "已保存")
            return redirect("points:goods", community_id=goods.community_id)
    return render(
        request,
        "points/goods_edit.html",
        {"goods": goods, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


# --- Partner merchants -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def merchant_desk(request: HttpRequest) -> HttpResponse:
    """The merchant's operator: held orders at their merchants, confirmed at the counter."""
    operated = access.operated_merchants(request.user)
    if not operated.exists():
        raise Http404("您不是合作商家的确认人")
    if request.method == "POST":
        try:
            order = access.access_operated_order(request.user, request.POST.get("order"))
        except NotFound:
            raise Http404("订单不存在或无权访问") from None
        try:
            order_confirm(actor=request.user, order=order)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已确认 {order.code}，{order.points} 分")
        return redirect("points:merchant_desk")
    orders = (
        access.operated_orders(request.user)
        .filter(status=OrderStatus.HELD)
        .select_related("merchant", "account__owner")
        .order_by("placed_at", "id")
    )
    code = request.GET.get("code", "").strip().upper()[:12]
    if code:
        orders = orders.filter(code=code)
    return render(
        request, "points/merchant_desk.html", {"orders": orders[:100], "merchants": operated}
    )
