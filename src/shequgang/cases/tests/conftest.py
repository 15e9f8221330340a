import datetime as dt
import io
import zoneinfo
from typing import Any

import pytest
from PIL import Image

from shequgang.apikit.testing import API_PREFIX, ApiClient
from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create
from shequgang.testing import World

from .dispatch_world import depts  # noqa: F401  (a fixture of the dispatch tests)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=SHANGHAI)


# The raiser's phone in the reports of the intake tests (a valid mainland mobile).
PHONE = "13912345678"


def intake_form(world: World, **fields: Any) -> dict[str, Any]:
    """The form fields of a resident's report (a stairwell light in household A1), with
    ``fields`` changed; a field given as None is left out."""
    data = {"category": "stairwell_light", "place": world.household_a1.pk, "title": "楼道灯坏了"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def form_post(
    client: ApiClient, path: str, data: Any, headers: dict[str, str] | None = None
) -> Any:
    """A form post to the API, as phones send reports (the test client encodes ``data``
    as multipart/form-data)."""
    return client.client.post(
        API_PREFIX + path, data, headers={**client.headers, **(headers or {})}
    )


def jpeg_with_gps() -> io.BytesIO:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "FakeCam"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 31.0, 0.0)}  # GPSInfo
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif.tobytes())
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


@pytest.fixture
def cat():
    return lambda code: Category.objects.get(code=code)


@pytest.fixture
def raise_case(world, cat):
    def make(code="stairwell_light", place=None, actor=None, now=None, **kw):
        return case_create(
            actor=actor or world.users["nobody"],
            source=kw.pop("source", Source.RESIDENT),
            category=cat(code),
            place=place or world.household_a1,
            title=kw.pop("title", "楼道灯坏了"),
            now=now,
            **kw,
        )

    return make
