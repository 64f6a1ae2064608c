"""Copying one exchange out of the archive's WARC files, byte for byte, found by warcio."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.export.bag import BagWriter
from archiver.export.warc_copy import WarcCopyError, WarcExcerpt
from tests.export.conftest import Built

NAME = "excerpt.warc.gz"


def excerpt(built: Built, tmp_path: Path) -> tuple[WarcExcerpt, BagWriter]:
    bag = BagWriter(tmp_path / "bag", as_zip=False)
    return WarcExcerpt(built.home, lambda: bag.open_stream(NAME), NAME, bag.index), bag


def test_the_response_and_its_request_are_copied_unchanged(built: Built, tmp_path: Path) -> None:
    copier, bag = excerpt(built, tmp_path)
    offset = copier.copy(built.warc.file, built.warc.offset, built.warc.record_id)
    assert copier.copy(built.warc.file, built.warc.offset, built.warc.record_id) == offset
    copier.close()
    bag.finish([])
    copied = (tmp_path / "bag/data" / NAME).read_bytes()
    source = (built.home / built.warc.file).read_bytes()
    # The exchange is the last thing in the archive's WARC: response, then request.
    assert copied[offset:] == source[built.warc.offset :]
    assert copier.records == 2 and offset > 0  # after the excerpt's own warcinfo record


@pytest.mark.parametrize(
    ("shift", "record_id", "said"),
    [
        (0, "<urn:uuid:00000000-0000-0000-0000-000000000000>", "record is <urn:uuid:"),
        (5, None, "not a gzip WARC record (not the start of a gzip member)"),
        (10**9, None, "not a gzip WARC record"),
    ],
)
def test_a_record_not_where_the_archive_says_is_named(
    built: Built, tmp_path: Path, shift: int, record_id: str | None, said: str
) -> None:
    copier, bag = excerpt(built, tmp_path)
    with pytest.raises(WarcCopyError, match=r"@ \d+: ") as caught:
        copier.copy(built.warc.file, built.warc.offset + shift, record_id)
    assert said in str(caught.value)
    assert str(caught.value).startswith(f"{built.warc.file} @ {built.warc.offset + shift}")
    copier.close()
    bag.abort()
