"""Opening an uploaded .xlsx (a zip archive) only within bounds, before anything parses it.

A few hundred kilobytes of zip can hold gigabytes of XML (deflate packs one repeated
character about 1,000 to 1), and a zip of half a million empty members makes
``zipfile`` build half a million objects just to list them. So, in order:

1. the central directory's size, read from the end record, must fit ``max_members``
   entries (checked before ``zipfile`` parses a single entry);
2. at most ``max_members`` members;
3. their declared unzipped sizes add up to at most ``max_unzipped_bytes``;
4. no member larger than ``RATIO_GRACE_BYTES`` unzips to more than ``max_ratio`` times
   its compressed size (Apache POI's zip-bomb rule, 100 to 1 by default).

A member that lies about its size cannot get past 3: ``zipfile`` stops reading at the
declared size and the CRC check then fails. The readers bound each cell's text at
``MAX_CELL_CHARS`` while they stream (see ``people/xlsx_reader.py``)."""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

from django.conf import settings

from shequgang.errors import DomainError

# Excel's own limit on the characters one cell holds.
MAX_CELL_CHARS = 32_767
# A real workbook has a dozen parts, a few hundred with many sheets and pictures.
MAX_MEMBERS = 1_000
# Small members (a theme, styles) may compress well without costing anything.
RATIO_GRACE_BYTES = 1 << 20
# A central directory entry is 46 bytes plus its name, extra field and comment; a
# generous average per entry, so the directory of MAX_MEMBERS real parts fits.
_DIRECTORY_BYTES_PER_MEMBER = 1024
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"


class ArchiveRefused(DomainError):
    """The upload is refused before parsing; nothing is read from it or written."""

    status = 400


@dataclass(frozen=True)
class ArchiveLimits:
    max_unzipped_bytes: int
    max_ratio: int
    max_members: int = MAX_MEMBERS
    max_cell_chars: int = MAX_CELL_CHARS

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        return cls(
            max_unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
            max_ratio=settings.IMPORT_MAX_ZIP_RATIO,
        )


def cell_too_long(max_chars: int) -> ArchiveRefused:
    """The refusal a reader raises at the first cell longer than ``max_chars``."""
    return ArchiveRefused(
        "cell_too_long", f"表格中有单元格超过{max_chars}个字符（Excel 单元格的上限），文件未导入"
    )


def open_xlsx_archive(data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """The archive, once it is within ``limits``; raises ArchiveRefused
    (``too_many_parts``, ``unzipped_too_large``, ``suspicious_compression``) or
    ``zipfile.BadZipFile`` for something that is not a zip at all."""
    directory = _central_directory_size(data)
    if directory > limits.max_members * _DIRECTORY_BYTES_PER_MEMBER:
        raise _too_many_parts(limits)
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    if len(members) > limits.max_members:
        archive.close()
        raise _too_many_parts(limits)
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        archive.close()
        raise ArchiveRefused(
            "unzipped_too_large",
            f"文件解压后超过{limits.max_unzipped_bytes // 2**20}MB，请拆分成几个文件分批导入",
        )
    for member in members:
        packed = max(member.compress_size, 1)
        if member.file_size > RATIO_GRACE_BYTES and member.file_size > limits.max_ratio * packed:
            archive.close()
            raise ArchiveRefused(
                "suspicious_compression",
                "文件的压缩比异常（疑似“压缩炸弹”），已拒绝；请用 Excel 或 WPS 重新保存后再导入",
            )
    return archive


def _too_many_parts(limits: ArchiveLimits) -> ArchiveRefused:
    return ArchiveRefused(
        "too_many_parts", f"文件包含的部件超过{limits.max_members}个，不是正常的 .xlsx 表格"
    )


def _central_directory_size(data: bytes) -> int:
    """The central directory's size in bytes, from the end record (and the zip64 end
    record when the short one says "see zip64"). Raises BadZipFile without one."""
    # The end record is 22 bytes plus a comment of at most 65,535.
    tail_start = max(0, len(data) - 22 - 0xFFFF)
    at = data.rfind(_END, tail_start)
    if at < 0 or len(data) - at < 22:
        raise zipfile.BadZipFile("no end of central directory record")
    (size,) = struct.unpack_from("<I", data, at + 12)
    (entries,) = struct.unpack_from("<H", data, at + 10)
    if size != 0xFFFFFFFF and entries != 0xFFFF:
        return int(size)
    locator = at - 20
    if locator < 0 or data[locator : locator + 4] != _END64_LOCATOR:
        raise zipfile.BadZipFile("zip64 end record missing")
    (end64,) = struct.unpack_from("<Q", data, locator + 8)
    if end64 + 56 > len(data) or data[end64 : end64 + 4] != _END64:
        raise zipfile.BadZipFile("zip64 end record missing")
    (size64,) = struct.unpack_from("<Q", data, end64 + 40)
    return int(size64)
