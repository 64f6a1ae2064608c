"""The APA reference list sorted on disk (``archiver/export/apa_list.py``): its order and
a/b suffixes, its archived-copy notes kept, and references given back one by one."""

from __future__ import annotations

from archiver.export.apa_list import ApaReferences, apa_reference_list
from archiver.export.cite import ArchivedCopy, apa
from archiver.record import Author
from tests.conftest import make_post


def _post(number: int, handle: str, created_at: str | None) -> object:
    return make_post(
        str(1000000000000000000 + number),
        text=f"Post number {number} about the river",
        created_at=created_at,
        author=Author(name=handle.title(), handle=handle),
    )


def test_references_come_by_author_then_date_with_a_suffix_per_author_and_year() -> None:
    posts = [
        _post(1, "zed", "2026-01-02"),
        _post(2, "amy", "2026-03-01"),
        _post(3, "amy", "2025-12-31"),
        _post(4, "amy", "2026-01-05"),
        _post(5, "amy", None),
    ]
    copy = ArchivedCopy(captured_at="2026-01-09T10:30:00Z", content_hash="sha256:ab")

    references = list(apa_reference_list((post, copy) for post in posts))  # type: ignore[misc]

    order = [posts[4], posts[2], posts[3], posts[1], posts[0]]
    suffixes = ["", "", "a", "b", ""]
    assert references == [apa(post, copy, s) for post, s in zip(order, suffixes, strict=True)]  # type: ignore[arg-type]
    assert "(2026a, January 5)" in references[2] and "(2026b, March 1)" in references[3]
    assert references[0].endswith("Archived January 9, 2026, in archiver (content hash sha256:ab).")


def test_references_are_added_one_by_one_and_read_back_lazily() -> None:
    references = ApaReferences()
    for number in range(140):  # 20 per author: a to t
        references.add(_post(number, f"author{number % 7}", "2026-01-07"), None)  # type: ignore[arg-type]
    given = references.sorted()
    first = next(given)
    assert first.startswith("Author0 [@author0]. (2026a, January 7).")
    rest = list(given)
    references.close()
    assert len(rest) == 139
    assert sum("(2026a," in line for line in [first, *rest]) == 7  # one "a" per author
