"""Points API (mounted at /api/v1/points).

Residents: their accounts and statements, the catalogue and merchants of a community,
placing and cancelling their own orders. Staff (scoped by ``access``): a community's
ledger (filters, .xlsx), its orders desk, awards by rule, manual adjustments and their
approval, reversals, catalogue upkeep. A merchant's operator confirms orders at that
merchant.

Placing an order and awarding points honour ``Idempotency-Key``: a retry with the same
key returns the first response and moves no points twice (the key also becomes the
ledger's idempotency key, namespaced by the caller)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import HEADER, run_idempotent
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.schemas import PathId, errors
from shequgang.errors import NotFound
from shequgang.points import access
from shequgang.points.catalogue import GoodsInput, goods_create, goods_update
from shequgang.points.exporting import XLSX_TYPE, ledger_export
from shequgang.points.redemptions import order_cancel, order_confirm, order_place
from shequgang.points.schemas import (
    AccountOut,
    AdjustmentIn,
    AdjustmentOut,
    AwardIn,
    CancelIn,
    CommunityOrdersQuery,
    EntryOut,
    EntryPageOut,
    GoodsCreateIn,
    GoodsOut,
    GoodsUpdateIn,
    LedgerQuery,
    MerchantOut,
    OrderIn,
    OrderOut,
    OrderPageOut,
    ReverseIn,
    TransactionOut,
)
from shequgang.points.selectors import (
    LedgerFilters,
    account_statement,
    catalogue,
    community_orders,
    ledger_entries,
    merchants,
    own_orders,
)
from shequgang.points.services import (
    adjustment_decide,
    adjustment_request,
    points_award,
    points_reverse,
)

router = Router(tags=["积分超市"])
_STEP = errors(400, 403, 404, 409)


def _ledger_key(request: HttpRequest, user: User, prefix: str) -> str:
    header = request.headers.get(HEADER, "").strip()
    return f"{prefix}:{user.pk}:{header}" if header else f"{prefix}:{uuid.uuid4().hex}"


def _person(user_id: int) -> User:
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise NotFound("用户")
    return found


# --- Residents -------------------------------------------------------------------------


@router.get("/accounts", response={200: list[AccountOut], **errors()}, summary="我的积分账户")
def my_accounts(request: HttpRequest) -> list[AccountOut]:
    user = request_user(request)
    return [AccountOut.build(a) for a in access.own_accounts(user).order_by("community__path")]


@router.get(
    "/accounts/{account_id}/entries",
    response={200: EntryPageOut, **errors(404)},
    summary="积分明细（本人账户，或辖区内账户）",
)
def account_entries(
    request: HttpRequest, account_id: PathId, page: Query[PageParams]
) -> dict[str, Any]:
    user = request_user(request)
    account = access.access_account(user, account_id)
    entries = account_statement(account).select_related("account__owner")
    return page_of(entries, page, build=EntryOut.build)


@router.get("/orders", response={200: OrderPageOut, **errors()}, summary="我的兑换订单")
def my_orders(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    user = request_user(request)
    return page_of(own_orders(user.pk), page, build=OrderOut.build)


@router.get(
    "/communities/{community_id}/goods",
    response={200: list[GoodsOut], **errors(404)},
    summary="社区积分超市商品",
)
def list_goods(request: HttpRequest, community_id: PathId) -> list[GoodsOut]:
    request_user(request)
    community = access.community_for_residents(community_id)
    return [GoodsOut.build(g) for g in catalogue(community)]


@router.get(
    "/communities/{community_id}/merchants",
    response={200: list[MerchantOut], **errors(404)},
    summary="接受积分的合作商家（红色合作伙伴）",
)
def list_merchants(request: HttpRequest, community_id: PathId) -> list[MerchantOut]:
    request_user(request)
    community = access.community_for_residents(community_id)
    return [MerchantOut.build(m) for m in merchants(community)]


@router.post(
    "/orders",
    response={201: OrderOut, 200: OrderOut, **_STEP},
    summary="兑换：冻结积分和库存，到社区领取或由商家确认",
    description="goods_id（可选 quantity）或 merchant_id + points 二选一。积分不足 409 "
    "insufficient_points，库存不足 409 out_of_stock。支持 Idempotency-Key：同一键的重试返回第一次的结果。",
)
def place_order(request: HttpRequest, payload: OrderIn) -> Status[Any]:
    user = request_user(request)
    goods = access.goods_to_order(payload.goods_id) if payload.goods_id is not None else None
    merchant = None
    if payload.merchant_id is not None:
        merchant = access.merchant_to_order(payload.merchant_id)
    key = _ledger_key(request, user, "api-order")

    def write() -> tuple[int, Any]:
        outcome = order_place(
            actor=user,
            user=user,
            goods=goods,
            quantity=payload.quantity,
            merchant=merchant,
            points=payload.points,
            idempotency_key=key,
        )
        body = OrderOut.build(outcome.order).model_dump(mode="json")
        return (201 if outcome.created else 200), body

    status, body = run_idempotent(
        request, operation="points.order", payload=payload.model_dump(mode="json"), write=write
    )
    return Status(status, body)


@router.get("/orders/{order_id}", response={200: OrderOut, **errors(404)}, summary="订单详情")
def get_order(request: HttpRequest, order_id: PathId) -> OrderOut:
    return OrderOut.build(access.access_order(request_user(request), order_id))


@router.post(
    "/orders/{order_id}/confirm", response={200: OrderOut, **_STEP}, summary="确认领取 / 商家确认"
)
def confirm_order(request: HttpRequest, order_id: PathId) -> OrderOut:
    user = request_user(request)
    return OrderOut.build(
        order_confirm(actor=user, order=access.access_order_to_step(user, order_id))
    )


@router.post(
    "/orders/{order_id}/cancel",
    response={200: OrderOut, **_STEP},
    summary="取消订单（退回积分和库存）",
)
def cancel_order(request: HttpRequest, order_id: PathId, payload: CancelIn) -> OrderOut:
    user = request_user(request)
    order = access.access_order_to_step(user, order_id)
    return OrderOut.build(order_cancel(actor=user, order=order, reason=payload.reason))


# --- Staff -----------------------------------------------------------------------------


def _filters(q: LedgerQuery) -> LedgerFilters:
    return LedgerFilters(
        kind=q.kind,
        source=q.source,
        account_kind=q.account_kind,
        owner=q.owner,
        date_from=q.date_from,
        date_to=q.date_to,
    )


@router.get(
    "/communities/{community_id}/ledger",
    response={200: EntryPageOut, **errors(404)},
    summary="社区积分台账（分录）",
)
def community_ledger(
    request: HttpRequest, community_id: PathId, q: Query[LedgerQuery]
) -> dict[str, Any]:
    community = access.access_community(request_user(request), community_id)
    return page_of(ledger_entries(community, _filters(q)), q, build=EntryOut.build)


@router.get(
    "/communities/{community_id}/ledger.xlsx",
    response={200: None, **errors(404)},
    summary="导出社区积分台账（Excel）",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def community_ledger_xlsx(
    request: HttpRequest, community_id: PathId, q: Query[LedgerQuery]
) -> HttpResponse:
    user = request_user(request)
    community = access.access_community(user, community_id)
    file = ledger_export(
        actor=user, community=community, entries=ledger_entries(community, _filters(q))
    )
    response = HttpResponse(file.content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/communities/{community_id}/orders",
    response={200: OrderPageOut, **errors(404)},
    summary="社区兑换订单",
)
def community_order_list(
    request: HttpRequest,
    community_id: PathId,
    q: Query[CommunityOrdersQuery],
) -> dict[str, Any]:
    community = access.access_community(request_user(request), community_id)
    return page_of(community_orders(community, q.status), q, build=OrderOut.build)


@router.post(
    "/communities/{community_id}/awards",
    response={201: TransactionOut, **_STEP},
    summary="按规则发放积分",
    description="可发放的角色由规则的 awarded_by 决定；每日/每月上限部分适用（capped 为未发放部分）。"
    "支持 Idempotency-Key。",
)
def award(request: HttpRequest, community_id: PathId, payload: AwardIn) -> Status[Any]:
    user = request_user(request)
    community = access.access_community(user, community_id, access.AWARD)
    person = _person(payload.user_id)
    key = _ledger_key(request, user, "api-award")

    def write() -> tuple[int, Any]:
        txn = points_award(
            actor=user,
            user=person,
            community=community,
            rule_code=payload.rule_code,
            hours=payload.hours,
            source_ref=payload.source_ref,
            reason=payload.reason,
            idempotency_key=key,
        )
        return 201, TransactionOut.build(txn).model_dump(mode="json")

    status, body = run_idempotent(
        request, operation="points.award", payload=payload.model_dump(mode="json"), write=write
    )
    return Status(status, body)


@router.post(
    "/communities/{community_id}/adjustments",
    response={201: AdjustmentOut, **_STEP},
    summary="申请人工调整（须另一人审批后生效）",
    description="支持 Idempotency-Key：同一键的重试返回第一次的申请。",
)
def request_adjustment(
    request: HttpRequest, community_id: PathId, payload: AdjustmentIn
) -> Status[Any]:
    user = request_user(request)
    community = access.access_community(user, community_id, access.AWARD)
    person = _person(payload.user_id)

    def write() -> tuple[int, Any]:
        adj = adjustment_request(
            actor=user,
            user=person,
            community=community,
            amount=payload.amount,
            reason=payload.reason,
        )
        return 201, AdjustmentOut.build(adj).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        operation="points.adjustment",
        payload={**payload.model_dump(mode="json"), "community": community.pk},
        write=write,
    )
    return Status(status, body)


@router.post(
    "/adjustments/{adjustment_id}/approve",
    response={200: AdjustmentOut, **_STEP},
    summary="批准人工调整（审批人不能是申请人）",
)
def approve_adjustment(request: HttpRequest, adjustment_id: PathId) -> AdjustmentOut:
    user = request_user(request)
    adj = adjustment_decide(
        actor=user, adjustment=access.access_adjustment(user, adjustment_id), approve=True
    )
    return AdjustmentOut.build(adj)


@router.post(
    "/adjustments/{adjustment_id}/reject", response={200: AdjustmentOut, **_STEP}, summary="驳回"
)
def reject_adjustment(request: HttpRequest, adjustment_id: PathId) -> AdjustmentOut:
    user = request_user(request)
    adj = adjustment_decide(
        actor=user, adjustment=access.access_adjustment(user, adjustment_id), approve=False
    )
    return AdjustmentOut.build(adj)


@router.post(
    "/transactions/{txn_id}/reverse",
    response={201: TransactionOut, **_STEP},
    summary="冲正（以相反分录更正，原记录保留）",
)
def reverse(request: HttpRequest, txn_id: PathId, payload: ReverseIn) -> Status[TransactionOut]:
    user = request_user(request)
    txn = access.access_transaction(user, txn_id, access.APPROVE)
    return Status(
        201, TransactionOut.build(points_reverse(actor=user, txn=txn, reason=payload.reason))
    )


@router.post(
    "/communities/{community_id}/goods",
    response={201: GoodsOut, **_STEP},
    summary="上架商品（照片请在管理页面上传）",
    description="支持 Idempotency-Key：同一键的重试返回第一次上架的商品。",
)
def create_goods(request: HttpRequest, community_id: PathId, payload: GoodsCreateIn) -> Status[Any]:
    user = request_user(request)
    community = access.access_community(user, community_id, access.DESK)

    def write() -> tuple[int, Any]:
        goods = goods_create(
            actor=user,
            community=community,
            data=GoodsInput(
                name=payload.name,
                price=payload.price,
                description=payload.description,
                active=payload.active,
            ),
            stock=payload.stock,
        )
        return 201, GoodsOut.build(goods).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        operation="points.goods",
        payload={**payload.model_dump(mode="json"), "community": community.pk},
        write=write,
    )
    return Status(status, body)


@router.patch("/goods/{goods_id}", response={200: GoodsOut, **_STEP}, summary="修改商品、补货")
def update_goods(request: HttpRequest, goods_id: PathId, payload: GoodsUpdateIn) -> GoodsOut:
    user = request_user(request)
    goods = access.access_goods(user, goods_id)
    updated = goods_update(
        actor=user,
        goods=goods,
        data=GoodsInput(
            name=payload.name,
            price=payload.price,
            description=payload.description,
            active=payload.active,
        ),
        restock=payload.restock,
    )
    return GoodsOut.build(updated)
