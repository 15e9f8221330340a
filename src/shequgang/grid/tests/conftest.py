import io

import pytest
from PIL import Image

from shequgang.cases.models import Category


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


@pytest.fixture
def cat():
    return lambda code: Category.objects.get(code=code)
