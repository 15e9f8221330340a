"""Photo uploads: only real JPEG, PNG or WebP images within the size limit, re-encoded so
no EXIF (GPS position, camera serial) reaches storage."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from shequgang.errors import DomainError

_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
_MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile[bytes]
    content_type: str
    width: int
    height: int
    size: int


def clean_photo(upload: IO[bytes], *, max_bytes: int) -> CleanPhoto:
    """Validate and strip one upload. Raises DomainError ``invalid_photo`` or
    ``photo_too_large``."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError("photo_too_large", f"照片不能超过{max_bytes // (1024 * 1024)}MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            probe.verify()
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.format not in _FORMATS:
                raise DomainError("invalid_photo", "只支持 JPEG、PNG、WebP 格式的照片")
            if image.width * image.height > _MAX_PIXELS:
                raise DomainError("invalid_photo", "照片尺寸过大")
            fmt = str(image.format)
            # Apply the EXIF orientation, then drop all metadata by re-encoding.
            image = ImageOps.exif_transpose(image)
            image.load()
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise DomainError("invalid_photo", "文件不是有效的图片") from None
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=85)
    content_type, ext = _FORMATS[fmt]
    payload = out.getvalue()
    return CleanPhoto(
        content=ContentFile(payload, name=f"{uuid.uuid4().hex}.{ext}"),
        content_type=content_type,
        width=image.width,
        height=image.height,
        size=len(payload),
    )
