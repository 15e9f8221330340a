"""API for households, residents and the caller's API tokens.

Residents are reached only through the scope helpers (missing and out-of-scope are the
same 404). Responses show personal data masked; the full value comes from the reveal
endpoint alone, which checks the separate permission and writes an audit row."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.params import functions as param_functions

from shequgang.apikit.auth import authenticated_by_token, request_user
from shequgang.apikit.idempotency import HEADER, MAX_KEY_LENGTH, run_idempotent
from shequgang.apikit.pagination import page_of
from shequgang.apikit.reauth import require_reveal_reauth
from shequgang.apikit.schemas import PathId, errors
from shequgang.errors import Forbidden, NotFound
from shequgang.people.models import ApiToken, ResidentStatus
from shequgang.people.roles import Perm
from shequgang.people.schemas import (
    HouseholdOut,
    ResidentCreateIn,
    ResidentFilters,
    ResidentOut,
    ResidentPage,
    ResidentUpdateIn,
    RevealIn,
    RevealOut,
    TokenIn,
    TokenIssuedOut,
    TokenOut,
)
from shequgang.people.scope import access_place, access_resident, scoped_residents
from shequgang.people.selectors import resident_search
from shequgang.people.services import (
    ResidentInput,
    api_token_issue,
    api_token_revoke,
    resident_create,
    resident_reveal_address,
    resident_reveal_check,
    resident_reveal_id_number,
    resident_reveal_phone,
    resident_update,
)
from shequgang.places.api import require_perm, visible_ancestors
from shequgang.places.models import Kind
from shequgang.places.schemas import PlaceOut

router = Router(tags=["居民"])

_REVEAL: dict[str, Callable[..., str]] = {
    "id_number": resident_reveal_id_number,
    "phone": resident_reveal_phone,
    "address": resident_reveal_address,
}

_IDEMPOTENCY_KEY = param_functions.Header(
    None,
    alias=HEADER,
    max_length=MAX_KEY_LENGTH,
    description="重试时带上同一个键：只会登记一次，并返回第一次的结果",
)


# --- Households ---------------------------------------------------------------------------


@router.get(
    "/households/{int:household_id}",
    response={200: HouseholdOut, **errors(404)},
    summary="户详情（含在册成员）",
)
def household_detail(request: HttpRequest, household_id: PathId) -> HouseholdOut:
    """A household with its active members, masked. Members are listed only for callers
    who may view residents there."""
    user = request_user(request)
    household = access_place(user, household_id)
    if household.kind != Kind.HOUSEHOLD:
        raise NotFound("户")
    members = (
        scoped_residents(user)
        .filter(household=household, status=ResidentStatus.ACTIVE)
        .select_related("household")
        .prefetch_related("tags")
        .order_by("id")
    )
    return HouseholdOut(
        **PlaceOut.from_orm(household).model_dump(),
        ancestors=visible_ancestors(user, household),
        members=[ResidentOut.from_orm(r) for r in members],
    )


# --- Residents ----------------------------------------------------------------------------


@router.get("/residents", response={200: ResidentPage, **errors(404)}, summary="查找居民")
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]) -> ResidentPage:
    """Residents in the caller's scope: by part of a name, or a full ID number or phone
    number (exact match), optionally within one place and with one tag."""
    user = request_user(request)
    within = access_place(user, filters.within) if filters.within is not None else None
    found = resident_search(
        user=user,
        query=filters.q,
        within=within,
        tag=filters.tag,
        include_inactive=filters.include_inactive,
    ).prefetch_related("tags")
    return ResidentPage.model_validate(page_of(found, filters))


@router.get(
    "/residents/{int:resident_id}", response={200: ResidentOut, **errors(404)}, summary="居民详情"
)
def resident_detail(request: HttpRequest, resident_id: PathId) -> ResidentOut:
    return ResidentOut.from_orm(access_resident(request_user(request), resident_id))


@router.post(
    "/residents",
    response={201: ResidentOut, **errors(400, 403, 404, 409)},
    summary="登记居民",
)
def resident_add(
    request: HttpRequest,
    payload: ResidentCreateIn,
    idempotency_key: str | None = _IDEMPOTENCY_KEY,
) -> Status[object]:
    """Registers a resident in a household the caller may edit. With an
    ``Idempotency-Key`` header a retry returns the first response (same status and body)
    instead of registering twice; the same key with another body is refused (422
    ``idempotency_key_reused``)."""
    user = request_user(request)
    household = access_place(user, payload.household_id)
    require_perm(user, Perm.RESIDENT_EDIT, household, "无权在该户登记居民")

    def write() -> tuple[int, object]:
        resident = resident_create(
            actor=user,
            data=ResidentInput(
                household=household,
                name=payload.name,
                relation=payload.relation,
                status=payload.status,
                id_number=payload.id_number,
                phone=payload.phone,
                address=payload.address,
                note=payload.note,
                tags=list(payload.tags),
            ),
        )
        return 201, ResidentOut.from_orm(resident).model_dump(mode="json")

    status, body = run_idempotent(
        request,
        operation="resident.create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, body)


@router.patch(
    "/residents/{int:resident_id}",
    response={200: ResidentOut, **errors(400, 403, 404, 409)},
    summary="修改居民信息",
)
def resident_change(
    request: HttpRequest, resident_id: PathId, payload: ResidentUpdateIn
) -> ResidentOut:
    """Changes the fields present. Moving to another household needs edit rights on
    both households. Correcting name, household, ID number, phone or registered address
    needs a ``reason`` (400 ``reason_required``); the audit row keeps it."""
    user = request_user(request)
    resident = access_resident(user, resident_id)
    require_perm(user, Perm.RESIDENT_EDIT, resident.household, "无权修改该居民")
    household = None
    if payload.household_id is not None:
        household = access_place(user, payload.household_id)
        require_perm(user, Perm.RESIDENT_EDIT, household, "无权把居民迁入该户")
    resident = resident_update(
        actor=user,
        resident=resident,
        data=ResidentInput(
            household=household,
            name=payload.name,
            relation=payload.relation,
            status=payload.status,
            id_number=payload.id_number,
            phone=payload.phone,
            address=payload.address,
            note=payload.note,
            tags=list(payload.tags) if payload.tags is not None else None,
            reason=payload.reason,
            subject_request=payload.subject_request,
        ),
    )
    return ResidentOut.from_orm(resident)


@router.post(
    "/residents/{int:resident_id}/reveal",
    response={200: RevealOut, **errors(403, 404)},
    summary="查看完整个人信息（留痕）",
)
def resident_reveal(
    request: HttpRequest, resident_id: PathId, payload: RevealIn, response: HttpResponse
) -> RevealOut:
    """The full ID number, phone or registered address, for callers granted full view
    on the resident's household. Each view writes an audit row; the response is never
    cached. Needs a browser session whose user typed the password again within the
    last minutes (``POST /auth/confirm-password``; 403 ``reauth_required`` otherwise);
    bearer tokens cannot reveal (403)."""
    user = request_user(request)
    resident = access_resident(user, resident_id)
    resident_reveal_check(actor=user, resident=resident)
    require_reveal_reauth(request)
    reveal = _REVEAL[payload.field]
    value = reveal(actor=user, resident=resident)
    response["Cache-Control"] = "no-store"
    return RevealOut(field=payload.field, value=value)


# --- API tokens ---------------------------------------------------------------------------


def _own_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("令牌")
    return token


@router.post(
    "/tokens",
    response={201: TokenIssuedOut, **errors(400, 403)},
    tags=["令牌"],
    summary="为自己签发访问令牌",
)
def token_issue(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status[object]:
    """Returns the token once; only its hash is kept. Tokens are issued from a signed-in
    session: a token cannot mint further tokens, so a leaked one can be revoked for good."""
    user = request_user(request)
    if authenticated_by_token(request):
        raise Forbidden("访问令牌不能签发新令牌，请登录后签发")
    row, token = api_token_issue(actor=user, user=user, name=payload.name)
    response["Cache-Control"] = "no-store"
    return Status(201, TokenIssuedOut(**TokenOut.from_orm(row).model_dump(), token=token))


@router.get(
    "/tokens", response={200: list[TokenOut], **errors()}, tags=["令牌"], summary="我的令牌"
)
def token_list(request: HttpRequest) -> list[ApiToken]:
    user = request_user(request)
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


@router.delete(
    "/tokens/{int:token_id}", response={204: None, **errors(404)}, tags=["令牌"], summary="撤销令牌"
)
def token_revoke(request: HttpRequest, token_id: PathId) -> Status[None]:
    user = request_user(request)
    api_token_revoke(actor=user, token=_own_token(user, token_id))
    return Status(204, None)
