"""The register import page's check: the preview of an export imported back, the report
grouped by kind of problem and paged, a large file checked in the background with its
progress polled, and the count the check reports as it goes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from shequgang.people import register_jobs
from shequgang.people.exporting import register_export
from shequgang.people.id_numbers import make_id_number
from shequgang.people.importing import register_import
from shequgang.people.models import Resident
from shequgang.people.tests.test_importing import row, sheet
from shequgang.people.tests.test_register_views import signed_in, upload
from shequgang.testing import World, build_world


@pytest.fixture(autouse=True)
def _jobs_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


def check(client: Client, world: World, content: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/register/validate/",
        {"within": world.community_a.pk, "file": upload(content)},
        headers=headers,
    )


def id_for(n: int) -> str:
    """A valid ID number of its own for row n (born n days after 1 Jan 1950)."""
    return make_id_number("141102", dt.date(1950, 1, 1) + dt.timedelta(days=n), 7)


def a_row(n: int, **values: object) -> dict[str, object]:
    """A valid row of household ``n`` with an ID number of its own."""
    return row(household=str(1000 + n), id_number=id_for(n), **values)


def counts(html: str) -> dict[str, int]:
    found = re.findall(r"<li[^>]*><strong>(\d+)</strong>(\S+?)</li>", html)
    return {label: int(n) for n, label in found}


@pytest.mark.django_db
def test_an_export_checked_back_previews_all_unchanged_and_offers_nothing(world: World) -> None:
    # Given the community's full export
    content = register_export(actor=world.users["secretary_a"], within=world.community_a)

    # When the secretary checks it on the page
    response = check(signed_in(world, "secretary_a"), world, content)

    # Then the preview says 2 unchanged and there is nothing to confirm
    html = response.content.decode()
    assert counts(html) == {"新增": 0, "变更": 0, "未变": 2, "有误": 0}
    assert "没有需要导入的内容" in html and "确认导入到" not in html


@pytest.mark.django_db
def test_the_report_is_grouped_by_kind_and_paged(world: World) -> None:
    # Given a file with 60 rows with a bad phone and 3 with an unknown relation
    rows = [a_row(n, phone="1") for n in range(60)]
    rows += [a_row(100 + n, relation="邻居") for n in range(3)]
    client = signed_in(world, "worker_a")

    # When the worker checks it (htmx)
    first = check(client, world, sheet(*rows).getvalue(), HX_Request="true")
    html = first.content.decode()
    key = first.context["job"]

    # Then the kinds are listed, most frequent first, with their counts …
    kinds = re.findall(r'aria-label="问题类型">(.*?)</nav>', html, re.S)[0]
    assert re.findall(r'<span class="chip">(\d+)</span>', kinds) == ["60", "3"]
    assert counts(html)["有误"] == 63
    # … and the first kind's first page shows 50 rows of 60
    assert html.count('<td data-label="行">') == 50 and "第 1 / 2 页" in html
    # When they turn the page, and pick the other kind
    second = client.get(f"/register/check/{key}/", {"code": first.context["code"], "page": 2})
    other = client.get(f"/register/check/{key}/", {"code": "invalid_relation"})
    # Then they see the 10 remaining rows, then the 3 others on one page
    assert second.content.decode().count('<td data-label="行">') == 10
    assert other.content.decode().count('<td data-label="行">') == 3
    assert "未知的与户主关系" in other.content.decode()
    # And another session cannot read this report
    assert signed_in(world, "secretary_a").get(f"/register/check/{key}/").status_code == 404


@pytest.mark.django_db
def test_the_check_tells_its_progress_as_it_goes(world: World) -> None:
    seen: list[tuple[int, int]] = []
    rows = [a_row(n) for n in range(1200)]

    register_import(
        actor=world.users["worker_a"],
        file=sheet(*rows),
        within=world.community_a,
        dry_run=True,
        progress=lambda checked, total: seen.append((checked, total)),
    )

    assert seen == [(500, 1200), (1000, 1200)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_file_is_checked_in_the_background_while_the_page_polls(settings) -> None:  # type: ignore[no-untyped-def]
    # Given any upload counts as large
    settings.IMPORT_BACKGROUND_BYTES = 0
    world = build_world()
    client = signed_in(world, "worker_a")
    before = Resident.objects.count()

    # When the worker checks a clean file
    response = check(client, world, sheet(row()).getvalue(), HX_Request="true")
    key = response.context["job"]

    # Then the answer is the progress, which polls the job
    html = response.content.decode()
    assert "正在校验" in html and f'hx-get="/register/check/{key}/"' in html
    assert 'hx-trigger="load delay:1s"' in html
    # And once the check is done the poll gets the preview, with nothing written yet
    register_jobs.job_wait(key)
    done = client.get(f"/register/check/{key}/", headers={"HX-Request": "true"})
    assert counts(done.content.decode()) == {"新增": 1, "变更": 0, "未变": 0, "有误": 0}
    assert done.context["pending"] == key and Resident.objects.count() == before
    # And confirming imports it
    client.post("/register/confirm/", {"pending": key})
    assert Resident.objects.count() == before + 1
