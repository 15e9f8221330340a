"""Camera alerts (雪亮工程): a camera platform pushes signed alerts; each valid one
becomes a ``camera`` case at the camera's place.

The signature scheme (also in the endpoint's OpenAPI description):

    X-Shequgang-Integration: <the integration's key>
    X-Shequgang-Timestamp:   <Unix time in whole seconds, UTC>
    X-Shequgang-Signature:   hex(HMAC-SHA256(secret, timestamp + "." + raw body))

The signature covers the exact bytes of the body, so it is checked before the body is
parsed. A timestamp more than ``MAX_SKEW`` away from our clock (either way) is refused,
and within that window a replay carries an alert id already received, which the unique
(integration, alert id) index refuses: together nothing is accepted twice. Every refusal
is a 4xx ``{code, message}`` and writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from typing import Annotated

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from shequgang.actors import Actor
from shequgang.audit.services import audit_record
from shequgang.cases.models import Source
from shequgang.cases.services import case_create
from shequgang.errors import Conflict, DomainError
from shequgang.grid.models import Camera, CameraAlert, CameraAlertType, CameraIntegration
from shequgang.people import pii
from shequgang.storable import reject_unstorable

INTEGRATION_HEADER = "X-Shequgang-Integration"
TIMESTAMP_HEADER = "X-Shequgang-Timestamp"
SIGNATURE_HEADER = "X-Shequgang-Signature"
MAX_SKEW = dt.timedelta(minutes=5)

_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE_RE = re.compile(r"^[0-9a-fA-F]{64}$")

Ident = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]


class CameraAlertIn(BaseModel):
    """The alert body: a JSON object."""

    model_config = ConfigDict(extra="ignore", strict=False)

    alert_id: Ident = Field(description="平台内唯一的告警编号")
    camera_id: Ident = Field(description="摄像头编号（须已在本平台登记）")
    alert_type: Ident = Field(description="告警类型（须已映射到事项分类）")
    occurred_at: dt.datetime | None = Field(None, description="告警时间，ISO 8601，须带时区")
    description: Annotated[str, StringConstraints(max_length=1000)] = ""
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a platform sends: hex HMAC-SHA256 of ``timestamp + "." + body``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def integration_secret(integration: CameraIntegration) -> str:
    return pii.decrypt(integration.secret_cipher)


# --- Integrations ----------------------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def camera_integration_create(
    *, actor: Actor, name: str, key: str, active: bool = True
) -> tuple[CameraIntegration, str]:
    """A new platform with a fresh secret, returned in clear this once only."""
    secret = _new_secret()
    integration = CameraIntegration(
        name=name.strip(), key=key.strip(), secret_cipher=pii.encrypt(secret), active=active
    )
    integration.full_clean(exclude=["secret_cipher"])
    integration.save()
    audit_record(actor=actor, action="camera_integration.create", obj=integration)
    return integration, secret


@transaction.atomic
def camera_integration_rotate_secret(*, actor: Actor, integration: CameraIntegration) -> str:
    """Replace the secret (the old one stops working at once); returns the new one in
    clear, this once only."""
    secret = _new_secret()
    locked = CameraIntegration.objects.select_for_update().get(pk=integration.pk)
    locked.secret_cipher = pii.encrypt(secret)
    locked.secret_rotated_at = timezone.now()
    locked.save(update_fields=["secret_cipher", "secret_rotated_at"])
    audit_record(actor=actor, action="camera_integration.rotate_secret", obj=locked)
    return secret


# --- Receiving ---------------------------------------------------------------------------------


def _unauthorized(code: str, message: str) -> DomainError:
    return DomainError(code, message, status=401)


def verify_request(
    *, integration_key: str, timestamp: str, signature: str, body: bytes, now: dt.datetime
) -> CameraIntegration:
    """The active integration whose secret signed ``body`` at ``timestamp`` within
    ``MAX_SKEW`` of ``now``; 401 otherwise (``unknown_integration``,
    ``invalid_timestamp``, ``stale_timestamp``, ``invalid_signature``,
    ``bad_signature``)."""
    integration = (
        CameraIntegration.objects.filter(key=integration_key.strip(), active=True).first()
        if integration_key.strip()
        else None
    )
    if integration is None:
        raise _unauthorized("unknown_integration", "未知或已停用的接入平台")
    timestamp = timestamp.strip()
    if not _TIMESTAMP_RE.match(timestamp):
        raise _unauthorized("invalid_timestamp", "时间戳应为整数秒（Unix 时间）")
    sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent) > MAX_SKEW:
        raise _unauthorized("stale_timestamp", "时间戳与服务器时间相差超过5分钟")
    signature = signature.strip()
    if not _SIGNATURE_RE.match(signature):
        raise _unauthorized("invalid_signature", "签名应为64位十六进制的 HMAC-SHA256")
    expected = sign(integration_secret(integration), timestamp, body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise _unauthorized("bad_signature", "签名不正确")
    return integration


def parse_alert(body: bytes) -> CameraAlertIn:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("malformed_request", "请求体不是有效的 JSON 对象") from None
    if not isinstance(data, dict):
        raise DomainError("malformed_request", "请求体不是有效的 JSON 对象")
    reject_unstorable(data)  # it bypasses the API's parser: it must see the signed bytes
    try:
        alert = CameraAlertIn.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DomainError("invalid_alert", f"告警内容不正确：{where}") from None
    if alert.occurred_at is not None and timezone.is_naive(alert.occurred_at):
        raise DomainError("invalid_alert", "告警内容不正确：occurred_at 须带时区")
    try:  # the database stores UTC: 9999-12-31 at −12:00 is past its calendar
        if alert.occurred_at is not None:
            alert.occurred_at.astimezone(dt.UTC)
    except OverflowError:
        raise DomainError("invalid_alert", "告警内容不正确：occurred_at 超出范围") from None
    return alert


def camera_alert_receive(
    *,
    integration_key: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: dt.datetime | None = None,
) -> CameraAlert:
    """Verify, parse and turn one alert into a ``camera`` case at the camera's place,
    with the mapped category. 409 ``duplicate_alert`` for an alert id already received
    (checked again by the unique index under concurrency), 422 ``unknown_camera`` /
    ``unknown_alert_type``, 400 for a malformed body. Atomic: the case and the alert row
    are written together or not at all."""
    now = now or timezone.now()
    integration = verify_request(
        integration_key=integration_key,
        timestamp=timestamp,
        signature=signature,
        body=body,
        now=now,
    )
    alert = parse_alert(body)
    duplicate = Conflict("duplicate_alert", f"告警 {alert.alert_id} 已接收过，不重复受理")
    if CameraAlert.objects.filter(integration=integration, alert_id=alert.alert_id).exists():
        raise duplicate
    camera = (
        Camera.objects.select_related("place")
        .filter(integration=integration, camera_id=alert.camera_id, active=True)
        .first()
    )
    if camera is None:
        raise DomainError("unknown_camera", f"未登记的摄像头：{alert.camera_id}", status=422)
    mapping = (
        CameraAlertType.objects.select_related("category")
        .filter(integration=integration, alert_type=alert.alert_type, active=True)
        .first()
    )
    if mapping is None:
        raise DomainError("unknown_alert_type", f"未映射的告警类型：{alert.alert_type}", status=422)
    when = timezone.localtime(alert.occurred_at or now)
    lines = [
        f"{integration.name} 摄像头 {camera.name}（{camera.camera_id}）",
        f"告警时间：{when:%Y-%m-%d %H:%M:%S}",
        f"告警编号：{alert.alert_id}",
    ]
    if alert.description.strip():
        lines.append(alert.description.strip())
    try:
        with transaction.atomic():
            case = case_create(
                actor=None,
                source=Source.CAMERA,
                category=mapping.category,
                place=camera.place,
                title=f"{mapping.label}：{camera.name}"[:100],
                description="\n".join(lines),
                latitude=alert.latitude if alert.latitude is not None else camera.latitude,
                longitude=alert.longitude if alert.longitude is not None else camera.longitude,
                now=now,
            )
            return CameraAlert.objects.create(
                integration=integration,
                alert_id=alert.alert_id,
                camera=camera,
                alert_type=mapping,
                occurred_at=alert.occurred_at,
                received_at=now,
                case=case,
                payload=alert.model_dump(mode="json"),
            )
    except IntegrityError:
        # The same alert arrived concurrently and the other request committed first.
        raise duplicate from None
