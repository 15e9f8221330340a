"""POST /api/v1/integrations/camera-alerts: a signed webhook. Every refusal is a 4xx
{code, message} and leaves no case and no alert row behind."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from shequgang.audit.models import AuditEntry
from shequgang.cases.models import Case, CaseEvent, Source, Status
from shequgang.grid.camera_alerts import (
    camera_integration_create,
    camera_integration_rotate_secret,
    integration_secret,
    sign,
)
from shequgang.grid.models import Camera, CameraAlert, CameraAlertType, CameraIntegration

URL = "/api/v1/integrations/camera-alerts"


@pytest.fixture
def platform(world, cat):
    integration, secret = camera_integration_create(
        actor=world.admin, name="雪亮工程平台", key="xueliang"
    )
    camera = Camera.objects.create(
        integration=integration,
        camera_id="CAM-001",
        name="滨东花园1号楼东",
        place=world.building_a1,
        latitude=37.52,
        longitude=111.14,
    )
    CameraAlertType.objects.create(
        integration=integration,
        alert_type="garbage_overflow",
        label="垃圾满溢",
        category=cat("compound_sanitation"),
    )
    CameraAlertType.objects.create(
        integration=integration,
        alert_type="manhole_missing",
        label="井盖缺失",
        category=cat("manhole"),
    )
    return integration, secret, camera


def body(**overrides):
    data = {
        "alert_id": "A-20261129-0001",
        "camera_id": "CAM-001",
        "alert_type": "garbage_overflow",
        "occurred_at": "2026-11-29T10:00:00+08:00",
        "description": "垃圾桶满溢",
    }
    data.update(overrides)
    return json.dumps(data, ensure_ascii=False).encode()


def send(raw, *, secret, key="xueliang", ts=None, signature=None, headers=None):
    ts = str(int(time.time())) if ts is None else ts
    sent = {
        "X-Shequgang-Integration": key,
        "X-Shequgang-Timestamp": ts,
        "X-Shequgang-Signature": signature if signature is not None else sign(secret, ts, raw),
    }
    sent.update(headers or {})
    return Client().post(URL, raw, content_type="application/json", headers=sent)


def nothing_created():
    return (
        not Case.objects.exists()
        and not CameraAlert.objects.exists()
        and not CaseEvent.objects.exists()
    )


def test_secret_is_stored_encrypted(platform):
    integration, secret, _ = platform
    stored = CameraIntegration.objects.get(pk=integration.pk).secret_cipher
    assert secret not in stored and integration_secret(integration) == secret


def test_good_signature_creates_a_camera_case_at_the_camera(world, platform):
    response = send(body(), secret=platform[1])
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert response.json() == {"alert_id": "A-20261129-0001", "case_number": case.number}
    assert (case.source, case.place, case.grid, case.status) == (
        Source.CAMERA,
        world.building_a1,
        world.grid_a1,
        Status.SUBMITTED,
    )
    assert case.category.code == "compound_sanitation" and case.title == "垃圾满溢：滨东花园1号楼东"
    assert (case.latitude, case.longitude) == (37.52, 111.14)
    assert "垃圾桶满溢" in case.description and "2026-11-29 10:00:00" in case.description
    alert = CameraAlert.objects.get()
    assert (alert.case, alert.camera, alert.alert_id) == (case, platform[2], "A-20261129-0001")


def test_bad_signature(platform):
    raw = body()
    wrong = sign("not-the-secret", str(int(time.time())), raw)
    response = send(raw, secret=platform[1], signature=wrong)
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    # A signature over other bytes (the body re-serialized) is as wrong.
    ts = str(int(time.time()))
    response = send(raw, secret=platform[1], ts=ts, signature=sign(platform[1], ts, raw + b" "))
    assert response.json()["code"] == "bad_signature"
    assert nothing_created()


@pytest.mark.parametrize("signature", ["", "abc", "z" * 64, "sha256=" + "0" * 64])
def test_missing_or_malformed_signature(platform, signature):
    response = send(body(), secret=platform[1], signature=signature)
    assert response.status_code == 401 and response.json()["code"] == "invalid_signature"
    assert nothing_created()


def test_uppercase_hex_signature_is_accepted(platform):
    ts = str(int(time.time()))
    raw = body()
    response = send(raw, secret=platform[1], ts=ts, signature=sign(platform[1], ts, raw).upper())
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("age", "accepted"), [(300, True), (301, False), (-300, True), (-301, False)]
)
def test_timestamp_window_is_five_minutes_either_way(platform, age, accepted, monkeypatch):
    # Freeze our clock so "exactly 300 seconds" is exact.
    now = 1_800_000_000
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime.fromtimestamp(now, tz=dt.UTC))
    response = send(body(), secret=platform[1], ts=str(now - age))
    if accepted:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 401 and response.json()["code"] == "stale_timestamp"
        assert nothing_created()


@pytest.mark.parametrize("ts", ["", "abc", "1.5", "-5", "9" * 13])
def test_malformed_timestamp(platform, ts):
    response = send(body(), secret=platform[1], ts=ts)
    assert response.status_code == 401 and response.json()["code"] == "invalid_timestamp"
    assert nothing_created()


def test_replay_of_the_same_request_is_refused(platform):
    raw = body()
    ts = str(int(time.time()))
    first = send(raw, secret=platform[1], ts=ts)
    assert first.status_code == 201
    again = send(raw, secret=platform[1], ts=ts)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_alert"
    assert Case.objects.count() == 1 and CameraAlert.objects.count() == 1


def test_duplicate_alert_id_freshly_signed_is_refused(platform):
    assert send(body(), secret=platform[1]).status_code == 201
    resent = send(body(description="再次推送", alert_type="manhole_missing"), secret=platform[1])
    assert resent.status_code == 409 and resent.json()["code"] == "duplicate_alert"
    assert Case.objects.count() == 1
    # The same id from another platform is another alert.
    other, secret = camera_integration_create(actor=None, name="另一平台", key="other")
    cam = platform[2]
    Camera.objects.create(integration=other, camera_id="CAM-001", name="x", place=cam.place)
    CameraAlertType.objects.create(
        integration=other,
        alert_type="garbage_overflow",
        label="垃圾满溢",
        category=CameraAlertType.objects.get(
            alert_type="garbage_overflow", integration=platform[0]
        ).category,
    )
    assert send(body(), secret=secret, key="other").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "code", "status"),
    [
        ({"camera_id": "CAM-404"}, "unknown_camera", 422),
        ({"alert_type": "ufo_sighting"}, "unknown_alert_type", 422),
    ],
)
def test_unknown_camera_or_alert_type(platform, overrides, code, status):
    response = send(body(**overrides), secret=platform[1])
    assert response.status_code == status and response.json()["code"] == code
    assert nothing_created()


def test_inactive_camera_is_unknown(platform):
    Camera.objects.update(active=False)
    response = send(body(), secret=platform[1])
    assert response.json()["code"] == "unknown_camera"
    assert nothing_created()


@pytest.mark.parametrize("key", ["", "nope"])
def test_unknown_or_inactive_integration(platform, key):
    response = send(body(), secret=platform[1], key=key)
    assert response.status_code == 401 and response.json()["code"] == "unknown_integration"
    CameraIntegration.objects.update(active=False)
    response = send(body(), secret=platform[1])
    assert response.status_code == 401 and response.json()["code"] == "unknown_integration"
    assert nothing_created()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "malformed_request"),
        (b"{not json", "malformed_request"),
        (b"[1, 2]", "malformed_request"),
        (b"\xff\xfe", "malformed_request"),
        (b'{"camera_id": "CAM-001", "alert_type": "garbage_overflow"}', "invalid_alert"),
        (
            b'{"alert_id": 7, "camera_id": "CAM-001", "alert_type": "garbage_overflow"}',
            "invalid_alert",
        ),
        (
            b'{"alert_id": "has space", "camera_id": "CAM-001", "alert_type": "garbage_overflow"}',
            "invalid_alert",
        ),
        (
            b'{"alert_id": "A1", "camera_id": "CAM-001", "alert_type": "garbage_overflow",'
            b' "occurred_at": "2026-11-29T10:00:00"}',
            "invalid_alert",
        ),
        (
            b'{"alert_id": "A1", "camera_id": "CAM-001", "alert_type": "garbage_overflow", "latitude": 95}',
            "invalid_alert",
        ),
        (  # year 10000 in UTC: past what the database can store
            b'{"alert_id": "A1", "camera_id": "CAM-001", "alert_type": "garbage_overflow",'
            b' "occurred_at": "9999-12-31T23:00:00-12:00"}',
            "invalid_alert",
        ),
        (  # a lone surrogate: no database can encode it (it was a 500)
            b'{"alert_id": "A1", "camera_id": "CAM-001", "alert_type": "garbage_overflow",'
            b' "description": "\\ud800"}',
            "invalid_text",
        ),
        (  # NUL: PostgreSQL refuses it in text
            b'{"alert_id": "A1", "camera_id": "CAM-001", "alert_type": "garbage_overflow",'
            b' "description": "a\\u0000b"}',
            "invalid_text",
        ),
    ],
)
def test_malformed_body(platform, raw, code):
    response = send(raw, secret=platform[1])
    assert response.status_code == 400 and response.json()["code"] == code
    assert set(response.json()) == {"code", "message"}
    assert nothing_created()


def test_rotation_retires_the_old_secret(world, platform):
    integration, old, _ = platform
    new = camera_integration_rotate_secret(actor=world.admin, integration=integration)
    assert new != old
    assert send(body(), secret=old).json()["code"] == "bad_signature"
    assert send(body(), secret=new).status_code == 201
    assert AuditEntry.objects.filter(action="camera_integration.rotate_secret").exists()
    assert not any(new in json.dumps(e.changes) for e in AuditEntry.objects.all())


def test_webhook_needs_no_session_and_ignores_one(world, platform):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretary_a"])
    ts = str(int(time.time()))
    raw = body()
    response = client.post(
        URL,
        raw,
        content_type="application/json",
        headers={
            "X-Shequgang-Integration": "xueliang",
            "X-Shequgang-Timestamp": ts,
            "X-Shequgang-Signature": sign(platform[1], ts, raw),
        },
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_create_one_case(world, platform):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race needs PostgreSQL's row-level concurrency")
    raw = body()
    ts = str(int(time.time()))
    barrier = threading.Barrier(4)
    codes = []

    def post():
        barrier.wait()
        try:
            codes.append(send(raw, secret=platform[1], ts=ts).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409, 409, 409]
    assert Case.objects.count() == 1 and CameraAlert.objects.count() == 1


def test_oversized_body_is_refused(platform, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = send(body(description="长" * 900), secret=platform[1])
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert nothing_created()
