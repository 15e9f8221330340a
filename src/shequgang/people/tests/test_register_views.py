"""The register pages: validate an upload, confirm it, download template and export."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequgang.audit.models import AuditEntry
from shequgang.people.models import Resident
from shequgang.people.register_sheet import HEADERS, XLSX_CONTENT_TYPE
from shequgang.people.tests.test_importing import row, sheet
from shequgang.spreadsheets.testing import workbook_with_long_cell
from shequgang.testing import World


@pytest.fixture(autouse=True)
def _stash_in_tmp(settings: object, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]


def signed_in(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("台账.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def test_the_page_offers_import_and_export_to_a_community_worker(world: World) -> None:
    response = signed_in(world, "worker_a").get("/register/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "校验" in page and "下载台账" in page and "城东社区" in page


def test_validate_then_confirm_imports_the_file(world: World, tmp_path: Path) -> None:
    # Given a clean file, when the worker validates it,
    client = signed_in(world, "worker_a")
    before = Resident.objects.count()
    response = client.post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(sheet(row()).getvalue())},
    )

    # then the page says it passed and offers to confirm, nothing is written yet, and the
    # held file is encrypted (no ID number in the clear on disk),
    assert response.status_code == 200
    assert "校验通过" in response.content.decode()
    assert Resident.objects.count() == before
    pending = response.context["pending"]
    held = (tmp_path / "register-imports" / f"{pending}.bin").read_bytes()
    assert b"PK" not in held[:4]

    # and when they confirm, the file is imported and the held copy removed.
    response = client.post("/register/confirm/", {"pending": pending})
    assert response.status_code == 200
    assert "导入完成" in response.content.decode()
    assert Resident.objects.count() == before + 1
    assert not (tmp_path / "register-imports" / f"{pending}.bin").exists()
    # Confirming twice imports nothing more.
    again = client.post("/register/confirm/", {"pending": pending})
    assert again.status_code == 400 and Resident.objects.count() == before + 1


def test_a_file_with_problems_shows_the_report_table(world: World) -> None:
    response = signed_in(world, "worker_a").post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(sheet(row(phone="1")).getvalue())},
    )

    page = response.content.decode()
    assert "1 行有误（共 1 处问题）" in page and "第2行" in page and "手机号" in page
    assert response.context["pending"] is None


def test_another_session_cannot_confirm_a_held_file(world: World) -> None:
    response = signed_in(world, "worker_a").post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(sheet(row()).getvalue())},
    )
    pending = response.context["pending"]
    before = Resident.objects.count()

    response = signed_in(world, "secretary_a").post("/register/confirm/", {"pending": pending})

    assert response.status_code == 400 and Resident.objects.count() == before


def test_a_broken_upload_shows_an_error(world: World) -> None:
    response = signed_in(world, "worker_a").post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(b"not a workbook")},
    )

    assert response.status_code == 400
    assert "不是有效的 .xlsx" in response.content.decode()


def test_validating_into_another_community_is_not_found(world: World) -> None:
    response = signed_in(world, "secretary_b").post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(sheet(row()).getvalue())},
    )

    assert response.status_code == 404


def test_template_and_export_download(world: World) -> None:
    client = signed_in(world, "worker_a")

    template = client.get("/register/template.xlsx")
    export = client.get("/register/export.xlsx", {"within": world.community_a.pk})

    assert template.status_code == export.status_code == 200
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    assert AuditEntry.objects.filter(action="resident.export").count() == 1


def test_export_out_of_scope_is_not_found(world: World) -> None:
    response = signed_in(world, "grid_a1").get(
        "/register/export.xlsx", {"within": world.community_a.pk}
    )

    assert response.status_code == 404


def test_htmx_gets_the_report_or_the_error_alone(world: World) -> None:
    client = signed_in(world, "worker_a")

    report = client.post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(sheet(row(phone="1")).getvalue())},
        headers={"HX-Request": "true"},
    )
    broken = client.post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(b"not a workbook")},
        headers={"HX-Request": "true"},
    )

    assert "<html" not in report.content.decode() and "第2行" in report.content.decode()
    assert broken.status_code == 200  # htmx swaps only 2xx answers: the error is the content
    assert "<html" not in broken.content.decode()
    assert "不是有效的 .xlsx" in broken.content.decode()


def test_a_zip_bomb_is_refused_on_the_page_with_its_reason(world: World) -> None:
    # Given a register-shaped .xlsx of a few KB that unzips to 20 MB,
    bomb = workbook_with_long_cell(HEADERS, length=20 << 20)
    before = Resident.objects.count()

    # when a worker uploads it for checking,
    response = signed_in(world, "worker_a").post(
        "/register/validate/", {"within": world.community_a.pk, "file": upload(bomb)}
    )

    # then the page answers 400 with the reason, holds nothing and writes nothing.
    assert response.status_code == 400
    assert "压缩炸弹" in response.content.decode()
    assert response.context["pending"] is None
    assert Resident.objects.count() == before
