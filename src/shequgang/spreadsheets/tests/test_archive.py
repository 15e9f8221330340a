"""An uploaded .xlsx is opened only within bounds: a zip bomb, a file that unzips past the
limit and a zip of too many members are refused before anything parses them."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from shequgang.spreadsheets.archive import (
    MAX_MEMBERS,
    RATIO_GRACE_BYTES,
    ArchiveLimits,
    ArchiveRefused,
    open_xlsx_archive,
)

LIMITS = ArchiveLimits(max_unzipped_bytes=64 << 20, max_ratio=100)


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def noise(size: int) -> bytes:
    """Bytes deflate cannot pack: a ratio of about 1."""
    return random.Random(size).randbytes(size)


def test_a_zip_bomb_is_refused() -> None:
    # Given 10 MB of one letter, a few KB on disk (about 1,000 to 1),
    bomb = zip_of({"xl/worksheets/sheet1.xml": b"A" * (10 << 20)})
    assert len(bomb) < 20_000

    # when it is opened, then it is refused for its ratio, well inside the size limit.
    with pytest.raises(ArchiveRefused) as refused:
        open_xlsx_archive(bomb, LIMITS)
    assert (refused.value.code, refused.value.status) == ("suspicious_compression", 400)
    assert "压缩" in refused.value.message


def test_the_ratio_is_checked_at_its_boundary() -> None:
    # Given a member over the grace size packed c bytes for s unzipped,
    size = 2 * RATIO_GRACE_BYTES
    data = zip_of({"a": b"A" * size})
    packed = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].compress_size
    ratio = -(-size // packed)  # the smallest whole ratio it keeps within

    # then a limit of exactly its ratio accepts it and one less refuses it.
    open_xlsx_archive(data, ArchiveLimits(max_unzipped_bytes=64 << 20, max_ratio=ratio)).close()
    with pytest.raises(ArchiveRefused):
        open_xlsx_archive(data, ArchiveLimits(max_unzipped_bytes=64 << 20, max_ratio=ratio - 1))


def test_small_members_may_compress_well() -> None:
    # A theme or a styles part under the grace size is not a bomb, whatever its ratio.
    open_xlsx_archive(zip_of({"xl/theme/theme1.xml": b" " * (RATIO_GRACE_BYTES - 1)}), LIMITS)


def test_a_file_that_unzips_past_the_limit_is_refused() -> None:
    limits = ArchiveLimits(max_unzipped_bytes=1 << 20, max_ratio=100)
    exactly = zip_of({"a": noise(1 << 19), "b": noise(1 << 19)})
    one_more = zip_of({"a": noise(1 << 19), "b": noise((1 << 19) + 1)})

    open_xlsx_archive(exactly, limits).close()
    with pytest.raises(ArchiveRefused) as refused:
        open_xlsx_archive(one_more, limits)
    assert refused.value.code == "unzipped_too_large"


def test_too_many_members_are_refused() -> None:
    enough = zip_of({f"m{i}": b"" for i in range(MAX_MEMBERS)})
    too_many = zip_of({f"m{i}": b"" for i in range(MAX_MEMBERS + 1)})

    open_xlsx_archive(enough, LIMITS).close()
    with pytest.raises(ArchiveRefused) as refused:
        open_xlsx_archive(too_many, LIMITS)
    assert refused.value.code == "too_many_parts"


def test_a_huge_directory_is_refused_before_zipfile_lists_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a zip of 30,000 empty members (listing them all is what costs),
    many = zip_of({f"m{i}": b"" for i in range(30_000)})

    # when it is opened, zipfile is never asked to read its directory.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    with pytest.raises(ArchiveRefused) as refused:
        open_xlsx_archive(many, LIMITS)
    assert refused.value.code == "too_many_parts"


@pytest.mark.parametrize("data", [b"", b"PK\x05\x06", b"not a zip at all" * 10])
def test_something_that_is_not_a_zip_is_a_bad_zip(data: bytes) -> None:
    with pytest.raises(zipfile.BadZipFile):
        open_xlsx_archive(data, LIMITS)
