"""Grid API: a grid worker's patrols (mounted at /api/v1/grid) and the camera-alert
webhook (mounted at /api/v1/integrations).

A worker reaches only their own patrols (any other is 404). Reports take
``multipart/form-data`` (photos as files named ``photos``) and honour
``Idempotency-Key``. The webhook is not behind a user's session or token: the request
signature is its authentication (see ``camera_alerts``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Form, Query, Router, Schema, Status, UploadedFile
from ninja.params import functions as param_functions
from pydantic import Field

from shequgang.apikit.auth import request_user
from shequgang.apikit.idempotency import HEADER, MAX_KEY_LENGTH, run_idempotent
from shequgang.apikit.schemas import ErrorOut, PathId, errors
from shequgang.cases.api.schemas import CasePageOut
from shequgang.cases.models import Category
from shequgang.cases.queries.case_page import case_page_response
from shequgang.errors import DomainError, NotFound
from shequgang.grid import camera_alerts, patrols
from shequgang.grid.schemas import (
    CameraAlertOut,
    PatrolEndIn,
    PatrolOut,
    PatrolStartIn,
    ReportIn,
    ReportOut,
    TrackIn,
    TrackOut,
)
from shequgang.grid.selectors import grid_queue
from shequgang.places.models import Place

router = Router(tags=["网格巡查"])
integrations_router = Router(tags=["外部接入"])

_IDEMPOTENCY_KEY = param_functions.Header(
    None,
    alias=HEADER,
    max_length=MAX_KEY_LENGTH,
    description="重试时带上同一个键：只会生成一个事项，并返回第一次的结果",
)
_PHOTOS = param_functions.File(None, description="照片（JPEG、PNG、WebP，最多9张）")


class QueueParams(Schema):
    cursor: str | None = Field(None, max_length=1000, description="上一页返回的 next_cursor")
    limit: int = Field(20, ge=1, le=100, description="每页条数（最多100）")


@router.post(
    "/patrols", response={201: PatrolOut, **errors(400, 403, 404, 409)}, summary="开始巡查"
)
def patrol_start(request: HttpRequest, payload: PatrolStartIn) -> Status[PatrolOut]:
    """Open a patrol over one of the caller's grids (``grid`` may be omitted when they
    have one). 403 for an account that is no grid worker, 404 for a grid not theirs, 409
    ``patrol_open`` while another of their patrols is open."""
    user = request_user(request)

    def write() -> tuple[int, Any]:
        grid = None
        if payload.grid is not None:
            # Only among the caller's own grids: someone else's grid and a missing one
            # answer alike (the service's 403 for a non-worker comes first for both).
            mine = patrols.worker_grids(user)
            grid = next((g for g in mine if g.pk == payload.grid), None)
            if grid is None and mine:
                raise NotFound("网格")
        patrol = patrols.patrol_start(actor=user, grid=grid)
        return 201, PatrolOut.build(patrol).model_dump(mode="json")

    # A retried start (Idempotency-Key) gets the patrol it opened, not 409 patrol_open.
    return Status(
        *run_idempotent(
            request,
            operation="grid.patrol_start",
            payload=payload.model_dump(mode="json"),
            write=write,
        )
    )


@router.get("/patrols/current", response={200: PatrolOut, **errors(404)}, summary="进行中的巡查")
def patrol_current(request: HttpRequest) -> PatrolOut:
    patrol = patrols.open_patrol(request_user(request))
    if patrol is None:
        raise NotFound("进行中的巡查")
    return PatrolOut.build(patrol)


@router.post(
    "/patrols/{int:patrol_id}/end",
    response={200: PatrolOut, **errors(400, 404, 409)},
    summary="结束巡查",
)
def patrol_end(request: HttpRequest, patrol_id: PathId, payload: PatrolEndIn) -> PatrolOut:
    user = request_user(request)
    patrol = patrols.access_patrol(user, patrol_id)
    return PatrolOut.build(patrols.patrol_end(actor=user, patrol=patrol, note=payload.note))


@router.post(
    "/patrols/{int:patrol_id}/track",
    response={200: TrackOut, **errors(400, 404, 409)},
    summary="上传巡查轨迹点",
)
def patrol_track(request: HttpRequest, patrol_id: PathId, payload: TrackIn) -> TrackOut:
    """GPS fixes of an open patrol (all or none stored). A fix stamped outside the patrol
    (more than two minutes before its start or after now) is 400 ``invalid_point``. Send
    an ``Idempotency-Key`` so a retried batch is not stored twice."""
    user = request_user(request)
    patrol = patrols.access_patrol(user, patrol_id)
    points = [
        patrols.TrackPoint(at=p.at, latitude=p.latitude, longitude=p.longitude, accuracy=p.accuracy)
        for p in payload.points
    ]

    def write() -> tuple[int, Any]:
        added = patrols.patrol_track(actor=user, patrol=patrol, points=points)
        return 200, {"added": added}

    # With an Idempotency-Key a retried batch is stored once (its first answer comes back).
    _, body = run_idempotent(
        request,
        operation=f"grid.patrol_track.{patrol.pk}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return TrackOut(**body)


def _photo_digests(photos: list[Any]) -> list[str]:
    digests = []
    for photo in photos:
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        digests.append(digest.hexdigest())
    return digests


@router.post(
    "/patrols/{int:patrol_id}/reports",
    response={201: ReportOut, **errors(400, 403, 404, 409)},
    summary="巡查上报事件",
)
def patrol_report(
    request: HttpRequest,
    patrol_id: PathId,
    payload: Form[ReportIn],
    photos: list[UploadedFile] | None = _PHOTOS,
    idempotency_key: str | None = _IDEMPOTENCY_KEY,
) -> Status[Any]:
    """Report an event found on the caller's open patrol (multipart/form-data): a case
    with source ``grid_patrol`` at ``place``, which must be in the patrol's grid (else
    404). ``handled_on_the_spot=true`` (自行处置) records it resolved at once with
    ``handling``; otherwise (需要派遣) it goes to its holder. 409 ``patrol_ended`` on a
    closed patrol. With an ``Idempotency-Key`` a retry returns the first response and
    never raises a second case."""
    user = request_user(request)
    files = list(photos or [])
    patrol = patrols.access_patrol(user, patrol_id)
    place = Place.objects.filter(pk=payload.place).first()
    if place is None:
        raise NotFound("地点")
    category = Category.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise DomainError("invalid_category", "请选择具体的事项小类")

    def write() -> tuple[int, Any]:
        report = patrols.patrol_report(
            actor=user,
            patrol=patrol,
            category=category,
            place=place,
            title=payload.title,
            description=payload.description,
            latitude=payload.latitude,
            longitude=payload.longitude,
            photos=files,
            handled_on_the_spot=payload.handled_on_the_spot,
            handling=payload.handling,
        )
        return 201, ReportOut.build(report).model_dump(mode="json")

    fingerprint = {
        **payload.model_dump(mode="json"),
        "patrol": patrol.pk,
        "photos": _photo_digests(files),
    }
    return Status(
        *run_idempotent(request, operation="grid.patrol_report", payload=fingerprint, write=write)
    )


@router.get("/queue", response={200: CasePageOut, **errors(400)}, summary="本网格事项")
def queue(request: HttpRequest, params: Query[QueueParams]) -> HttpResponse:
    """The not yet closed cases of the caller's grids, soonest resolution deadline first
    (overdue lead). Keyset pages: pass ``next_cursor`` back as ``cursor``."""
    user = request_user(request)
    return case_page_response(
        user, grid_queue(user), cursor=params.cursor, limit=params.limit, now=timezone.now()
    )


# --- Camera alerts ---------------------------------------------------------------------------

_WEBHOOK_DESCRIPTION = f"""视频平台（雪亮工程）推送告警，每条有效告警生成一个来源为 `camera` 的事项。

**签名（必需）**：每个请求带三个请求头

- `{camera_alerts.INTEGRATION_HEADER}`: 接入标识（管理后台“视频平台接入”中的 key）
- `{camera_alerts.TIMESTAMP_HEADER}`: 当前 Unix 时间（UTC，整数秒，如 `1764400000`）
- `{camera_alerts.SIGNATURE_HEADER}`: `hex(HMAC-SHA256(secret, timestamp + "." + body))`，
  64 位十六进制；`body` 是请求体的原始字节（不做任何重新序列化），`secret` 是创建或轮换
  接入时只显示一次的密钥（UTF-8）。

时间戳与服务器时间相差超过 5 分钟（过去或将来，恰好 300 秒仍接受）即拒绝；同一平台的
`alert_id` 只受理一次，重放或重复推送得到 409 且不生成任何记录。

**请求体**（JSON 对象）：`alert_id`、`camera_id`、`alert_type`（必填，1–64 个可见 ASCII
字符），`occurred_at`（ISO 8601，带时区），`description`（≤1000 字），`latitude`、
`longitude`（可选，缺省用摄像头的位置）。

**错误**（均为 `{{"code","message"}}`，且不写入任何数据）：401 `unknown_integration`、
`invalid_timestamp`、`stale_timestamp`、`invalid_signature`、`bad_signature`；400
`malformed_request`、`invalid_alert`；409 `duplicate_alert`；422 `unknown_camera`、
`unknown_alert_type`；413 请求体过大。"""

_WEBHOOK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {"in": "header", "name": name, "required": True, "schema": {"type": "string"}}
        for name in (
            camera_alerts.INTEGRATION_HEADER,
            camera_alerts.TIMESTAMP_HEADER,
            camera_alerts.SIGNATURE_HEADER,
        )
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": camera_alerts.CameraAlertIn.model_json_schema()}
        },
    },
}


@integrations_router.post(
    "/camera-alerts",
    auth=None,
    response={
        201: CameraAlertOut,
        400: ErrorOut,
        401: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="视频告警推送（签名 webhook）",
    description=_WEBHOOK_DESCRIPTION,
    openapi_extra=_WEBHOOK_OPENAPI,
)
def camera_alert(request: HttpRequest) -> Status[CameraAlertOut]:
    alert = camera_alerts.camera_alert_receive(
        integration_key=request.headers.get(camera_alerts.INTEGRATION_HEADER, ""),
        timestamp=request.headers.get(camera_alerts.TIMESTAMP_HEADER, ""),
        signature=request.headers.get(camera_alerts.SIGNATURE_HEADER, ""),
        body=request.body,
    )
    return Status(201, CameraAlertOut(alert_id=alert.alert_id, case_number=alert.case.number))
