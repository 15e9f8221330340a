import datetime as dt
import io
import zoneinfo

import pytest
from PIL import Image

from shequgang.cases.models import Category, Source
from shequgang.cases.services import case_create

from .dispatch_world import depts  # noqa: F401  (a fixture of the dispatch tests)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=SHANGHAI)


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
