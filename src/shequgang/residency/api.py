"""Residents' accounts API (mounted at /api/v1/residency).

Public (``auth=None``, rate-limited per address): the household picker, registration
(``Idempotency-Key`` aware: a retry gets the first account back) and the password reset
with a desk code. For the signed-in resident: their account's status. For workers who
may confirm (``resident.confirm``): the queue, an account with its household's register
members (masked), confirm, refuse, and a desk reset code — outside their scope every id
is the same 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import idempotency_key, run_idempotent
from shequgang.apikit.pagination import PageParams, page_of
from shequgang.apikit.ratelimit import rate_limit_request
from shequgang.apikit.schemas import ERRORS, MAX_PK, PathId, errors
from shequgang.errors import NotFound
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.picker import picker_children, picker_search
from shequgang.residency.resets import password_reset_with_code, reset_code_issue, reset_code_send
from shequgang.residency.schemas import (
    AccountStatusOut,
    ConfirmIn,
    MemberOut,
    MessageOut,
    PasswordResetIn,
    PlaceChoiceOut,
    QueueDetailOut,
    QueueItemOut,
    QueuePageOut,
    RefuseIn,
    RegisterIn,
    ResetCodeOut,
    SmsRequestIn,
)
from shequgang.residency.selectors import (
    access_account,
    account_queue,
    household_members,
    household_resident,
    resident_account_of,
)
from shequgang.residency.services import (
    Registration,
    resident_account_confirm,
    resident_account_refuse,
    resident_account_register,
)
from shequgang.residency.sms import NO_SMS_MESSAGE

router = Router(tags=["居民账号"])
_PUBLIC = {s: ERRORS[s] for s in (400, 404, 409, 422, 429)}


class PickerQuery(Schema):
    q: Annotated[str, Field("", max_length=30, description="小区或楼栋名称")]
    parent: Annotated[int | None, Field(None, ge=1, le=MAX_PK, description="上一步所选地点")]


@router.get(
    "/places",
    response={200: list[PlaceChoiceOut], 422: ERRORS[422], 429: ERRORS[429]},
    auth=None,
    summary="注册时选择所住户：按名称找小区，再逐级列出楼栋、单元、户（只含地点名称）",
)
def places(request: HttpRequest, params: Query[PickerQuery]) -> list[PlaceChoiceOut]:
    rate_limit_request(request, "residency.search")
    if params.parent is not None:
        choices = picker_children(parent_id=params.parent)[1]
    else:
        choices = picker_search(query=params.q)
    return [PlaceChoiceOut.build(c) for c in choices]


@router.post(
    "/register",
    response={201: AccountStatusOut, 200: AccountStatusOut, **_PUBLIC},
    auth=None,
    summary="居民注册（待社区认证）",
    description="支持 Idempotency-Key 请求头：同一键、同样内容的重试返回第一次注册的账号（200）。",
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[AccountStatusOut]:
    key = idempotency_key(request)
    rate_limit_request(request, "residency.register")
    account, created = resident_account_register(
        data=Registration(
            name=payload.name,
            phone=payload.phone,
            id_number=payload.id_number,
            household_id=payload.household_id,
            password=payload.password,
            relation=payload.relation,
        ),
        idempotency_key=key,
    )
    return Status(201 if created else 200, AccountStatusOut.build(account))


@router.get("/me", response={200: AccountStatusOut, **errors(404)}, summary="我的居民账号状态")
def my_account(request: HttpRequest) -> AccountStatusOut:
    account = resident_account_of(request_user(request))
    if account is None:
        raise NotFound("居民账号")
    return AccountStatusOut.build(account)


class QueueFilters(PageParams):
    status: Annotated[
        str,
        Field(AccountStatus.PENDING, pattern="^(pending|confirmed|refused)$", description="状态"),
    ]


@router.get("/accounts", response={200: QueuePageOut, **errors()}, summary="待认证居民（本人辖区）")
def queue(request: HttpRequest, filters: Query[QueueFilters]) -> dict[str, Any]:
    qs = account_queue(request_user(request), status=filters.status)
    return page_of(qs, filters, build=QueueItemOut.build)


def _detail(request: HttpRequest, account_id: int) -> QueueDetailOut:
    account = access_account(request_user(request), account_id)
    return QueueDetailOut(
        **QueueItemOut.build(account).model_dump(),
        members=[MemberOut.build(r, account) for r in household_members(account=account)],
    )


@router.get(
    "/accounts/{account_id}",
    response={200: QueueDetailOut, **errors(404)},
    summary="居民账号及本户台账成员（掩码）",
)
def account_detail(request: HttpRequest, account_id: PathId) -> QueueDetailOut:
    return _detail(request, account_id)


def _decide(
    request: HttpRequest,
    account_id: int,
    payload: Schema,
    action: str,
    act: Callable[[User, ResidentAccount], object],
) -> Status[Any]:
    """Confirm or refuse through ``act``, once per Idempotency-Key; the answer is the
    account as the worker now sees it."""
    user = request_user(request)

    def write() -> tuple[int, Any]:
        act(user, access_account(user, account_id))
        return 200, _detail(request, account_id).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        operation=f"residency.{action}:{account_id}",
        payload=payload.model_dump(),
        write=write,
    )
    return Status(status, body)


@router.post(
    "/accounts/{account_id}/confirm",
    response={200: QueueDetailOut, **errors(400, 404, 409)},
    summary="认证：匹配台账居民，或登记为本户新居民",
    description="支持 Idempotency-Key 请求头。",
)
def confirm(request: HttpRequest, account_id: PathId, payload: ConfirmIn) -> Status[Any]:
    def act(user: User, account: ResidentAccount) -> object:
        resident = None
        if payload.resident_id is not None:
            resident = household_resident(account=account, resident_id=payload.resident_id)
        return resident_account_confirm(account=account, actor=user, resident=resident)

    return _decide(request, account_id, payload, "confirm", act)


@router.post(
    "/accounts/{account_id}/refuse",
    response={200: QueueDetailOut, **errors(400, 404, 409)},
    summary="不予认证（原因居民可见）",
    description="支持 Idempotency-Key 请求头。",
)
def refuse(request: HttpRequest, account_id: PathId, payload: RefuseIn) -> Status[Any]:
    def act(user: User, account: ResidentAccount) -> object:
        return resident_account_refuse(account=account, actor=user, reason=payload.reason)

    return _decide(request, account_id, payload, "refuse", act)


@router.post(
    "/accounts/{account_id}/reset-code",
    response={201: ResetCodeOut, **errors(404, 409)},
    summary="为已认证居民发放一次性重置验证码（窗口发放）",
)
def issue_reset_code(request: HttpRequest, account_id: PathId) -> Status[ResetCodeOut]:
    issued = reset_code_issue(actor=request_user(request), account_id=account_id)
    return Status(201, ResetCodeOut(code=issued.code, expires_at=issued.expires_at))


@router.post(
    "/password-reset",
    response={200: MessageOut, **_PUBLIC},
    auth=None,
    summary="凭验证码重置密码",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> MessageOut:
    rate_limit_request(request, "residency.reset")
    password_reset_with_code(phone=payload.phone, code=payload.code, password=payload.password)
    return MessageOut(code="password_reset", message="密码已重置，请用新密码登录")


@router.post(
    "/password-reset/sms",
    response={202: MessageOut, **_PUBLIC},
    auth=None,
    summary="请求短信验证码（未开通短信时 409 sms_not_configured）",
    description=f"未配置短信通道时回答 409，提示：{NO_SMS_MESSAGE}",
)
def password_reset_sms(request: HttpRequest, payload: SmsRequestIn) -> Status[MessageOut]:
    rate_limit_request(request, "residency.reset")
    reset_code_send(phone=payload.phone)
    return Status(
        202, MessageOut(code="sms_requested", message="如该手机号已认证，验证码将以短信发送")
    )
