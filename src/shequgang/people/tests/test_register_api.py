"""The register endpoints: /api/v1/residents/import, /export and /import-template."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from shequgang.audit.models import AuditEntry
from shequgang.people.models import Resident
from shequgang.people.register_sheet import HEADERS, XLSX_CONTENT_TYPE
from shequgang.people.tests.test_importing import new_id, row, sheet
from shequgang.places.models import Place
from shequgang.spreadsheets.archive import MAX_CELL_CHARS
from shequgang.spreadsheets.testing import workbook_with_long_cell
from shequgang.testing import World

URL = "/api/v1/residents/import"


def upload(content: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def signed_in(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def counts() -> tuple[int, int, int]:
    return Resident.objects.count(), Place.objects.count(), AuditEntry.objects.count()


def test_import_needs_a_signed_in_user(world: World) -> None:
    response = Client().post(
        URL, {"file": upload(sheet(row()).getvalue()), "within": world.community_a.pk}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_import_into_another_community_is_not_found(world: World) -> None:
    before = counts()

    response = signed_in(world, "secretary_b").post(
        URL, {"file": upload(sheet(row()).getvalue()), "within": world.community_a.pk}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert counts() == before


def test_a_file_that_is_not_xlsx_is_a_bad_request(world: World) -> None:
    response = signed_in(world, "secretary_a").post(
        URL,
        {"file": upload(b"\xd0\xcf\x11\xe0 old xls", "old.xls"), "within": world.community_a.pk},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"


def test_a_missing_file_or_place_is_invalid_input(world: World) -> None:
    response = signed_in(world, "secretary_a").post(URL, {"within": "abc"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_a_valid_file_imports_and_answers_the_report(world: World) -> None:
    response = signed_in(world, "secretary_a").post(
        URL,
        {
            "file": upload(
                sheet(row(), row(household="103", name="甲", id_number=new_id())).getvalue()
            ),
            "within": world.community_a.pk,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["imported"] is True and body["dry_run"] is False
    assert (body["residents"], body["households_created"], body["error_count"]) == (2, 2, 0)
    assert body["within"] == world.community_a.pk and body["errors"] == []


def test_a_dry_run_answers_the_report_and_writes_nothing(world: World) -> None:
    before = counts()

    response = signed_in(world, "secretary_a").post(
        URL,
        {
            "file": upload(sheet(row()).getvalue()),
            "within": world.community_a.pk,
            "dry_run": "true",
        },
    )

    assert response.status_code == 200
    assert response.json()["imported"] is False and response.json()["residents"] == 1
    assert counts() == before


def test_rows_with_problems_answer_422_with_the_report(world: World) -> None:
    before = counts()

    response = signed_in(world, "secretary_a").post(
        URL, {"file": upload(sheet(row(phone="123")).getvalue()), "within": world.community_a.pk}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_rows" and "1处问题" in body["message"]
    assert body["report"]["errors"] == [
        {"row": 2, "column": "手机号", "code": "invalid_phone", "message": "电话号码无效：123"}
    ]
    assert counts() == before


def test_a_retried_import_with_the_same_key_gets_the_first_answer(world: World) -> None:
    client = signed_in(world, "secretary_a")
    content = sheet(row()).getvalue()

    first = client.post(
        URL,
        {"file": upload(content), "within": world.community_a.pk},
        headers={"Idempotency-Key": "import-1"},
    )
    again = client.post(
        URL,
        {"file": upload(content), "within": world.community_a.pk},
        headers={"Idempotency-Key": "import-1"},
    )

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert AuditEntry.objects.filter(action="resident.import").count() == 1


def test_export_is_an_xlsx_and_is_audited(world: World) -> None:
    response = signed_in(world, "worker_a").get(
        "/api/v1/residents/export", {"within": world.community_a.pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert list(rows[0]) == list(HEADERS) and len(rows) == 3
    assert AuditEntry.objects.filter(action="resident.export").count() == 1


def test_export_out_of_scope_is_not_found(world: World) -> None:
    response = signed_in(world, "grid_a1").get(
        "/api/v1/residents/export", {"within": world.community_a.pk}
    )

    assert response.status_code == 404


def test_the_template_downloads(world: World) -> None:
    response = signed_in(world, "worker_a").get("/api/v1/residents/import-template")

    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert list(rows[0]) == list(HEADERS)


def test_the_endpoints_are_in_the_openapi_document(world: World) -> None:
    response = signed_in(world, "worker_a").get("/api/v1/openapi.json")

    paths = response.json()["paths"]
    assert {"/api/v1/residents/import", "/api/v1/residents/export"} <= set(paths)
    assert "422" in paths["/api/v1/residents/import"]["post"]["responses"]


def test_a_malformed_import_request_answers_the_documented_422_shape(world: World) -> None:
    # The 422 of a request that never reached the importer (no file) has no report; the
    # OpenAPI document must not promise one, or clients generated from it reject the error.
    response = signed_in(world, "secretary_a").post(URL, {"within": world.community_a.pk})
    spec = Client().get("/api/v1/openapi.json").json()
    documented = spec["paths"][URL]["post"]["responses"]["422"]["content"]["application/json"]
    name = documented["schema"]["$ref"].rsplit("/", 1)[-1]

    assert response.status_code == 422
    body = response.json()
    assert set(spec["components"]["schemas"][name]["required"]) <= set(body)
    assert body["code"] and body["message"]


def test_a_zip_bomb_is_refused_before_parsing_and_a_normal_file_still_imports(
    world: World,
) -> None:
    # Given a register-shaped .xlsx of a few KB whose note cell unzips to 20 MB,
    bomb = workbook_with_long_cell(HEADERS, length=20 << 20)
    assert len(bomb) < 40_000
    client = signed_in(world, "secretary_a")
    before = counts()

    # when it is uploaded, for a dry run or for real,
    for dry_run in (True, False):
        response = client.post(
            URL, {"file": upload(bomb), "within": world.community_a.pk, "dry_run": dry_run}
        )

        # then it is a 400 with a stable code and a Chinese message, and nothing is written;
        assert response.status_code == 400
        assert response.json()["code"] == "suspicious_compression"
        assert "压缩" in response.json()["message"]
    assert counts() == before

    # while an ordinary file still imports.
    response = client.post(
        URL, {"file": upload(sheet(row()).getvalue()), "within": world.community_a.pk}
    )
    assert response.status_code == 200 and response.json()["imported"]


def test_a_cell_longer_than_excel_allows_is_refused(world: World, settings: object) -> None:
    # Given the zip-bomb ratio raised out of the way, a note of 32,768 characters,
    settings.IMPORT_MAX_ZIP_RATIO = 1 << 20  # type: ignore[attr-defined]
    data = workbook_with_long_cell(HEADERS, length=MAX_CELL_CHARS + 1)
    before = counts()

    response = signed_in(world, "secretary_a").post(
        URL, {"file": upload(data), "within": world.community_a.pk}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "cell_too_long"
    assert counts() == before
