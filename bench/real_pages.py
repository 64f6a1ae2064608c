"""Score archiver's extraction against the real-page corpus (``fixtures/real-pages/``).

Each ``NAME.html`` there is a real article page taken from another project's public test
fixtures; ``NAME.expected.json`` lists, written by hand from the page, the posts it embeds
or links to in its body and the fields a reader can see (schema and normalisation rules:
docs/real-pages.md). :func:`score_corpus` runs :func:`archiver.documents.extract_bytes` on
every page, adds the posts it links to in its body, and reports

* **recall** of the expected posts (embedded and linked-only, separately), and
* **fields right**: every field an expected post lists, plus one for finding it, counts
  once; a post not found loses all of its fields.

The misses come back one per field with a cause, so the work list for extraction is the
``breakdown()`` of a score. Used by ``tests/documents/test_real_pages.py`` (a ratchet) and
``bench/bench_real_pages.py``; nothing here changes what extraction does.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.documents import decode_document, extract_bytes, sniff_kind
from archiver.documents.links import page_post_links
from archiver.platforms.registry import REGISTRY
from archiver.record import Capture, Post, sha256_hex

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "real-pages"
#: A fixed capture time, so two runs over the same pages produce the same records.
CAPTURED_AT = "2026-01-01T00:00:00Z"
#: Fields an expected post may list, in the order they are reported.
FIELDS = (
    "url",
    "author.handle",
    "author.name",
    "created_at",
    "title",
    "text",
    "text_truncated",
    "media",
    "links",
)

Extract = Callable[[bytes, str], list[Post]]


def archiver_extract(raw: bytes, source: str) -> list[Post]:
    """What ``archiver extract FILE`` would print for these bytes."""
    return extract_bytes(raw, source, captured_at=CAPTURED_AT).posts


def archiver_reads(raw: bytes, source: str) -> list[Post]:
    """:func:`archiver_extract`, then each post the page only links to in its body, as the
    link names it (:func:`archiver.documents.links.page_post_links`: what ``add`` fetches
    for an article). Timed apart from extraction: only ``add URL`` and ``add --fetch``
    read body links."""
    posts = archiver_extract(raw, source)
    text = decode_document(raw, source)
    if sniff_kind(text) != "html":
        return posts
    capture = Capture(
        method="embed-html", source=source, captured_at=CAPTURED_AT, raw_sha256=sha256_hex(raw)
    )
    seen = {post.key for post in posts}
    linked = []
    for url in page_post_links(text):
        route = REGISTRY.match_social(url)
        if route is not None and route.ref.key not in seen:
            linked.append(route.platform.minimal_post(route.ref, capture))
    return posts + linked


@dataclass(frozen=True)
class Miss:
    page: str
    post: str
    form: str
    field: str
    expected: Any
    got: Any


@dataclass
class Score:
    pages: int = 0
    posts_expected: int = 0
    posts_found: int = 0
    linked_expected: int = 0
    linked_found: int = 0
    fields_expected: int = 0
    fields_right: int = 0
    #: The same two counts over embedded posts only (not the posts an article only links to).
    embedded_fields_expected: int = 0
    embedded_fields_right: int = 0
    #: Records extraction made that no expected post accounts for: (page, key).
    extras: list[tuple[str, str]] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    #: form -> [expected, found]; field -> [expected, right]
    by_form: dict[str, list[int]] = field(default_factory=dict)
    by_field: dict[str, list[int]] = field(default_factory=dict)

    @property
    def embedded_recall(self) -> float:
        return _ratio(self.posts_found, self.posts_expected)

    @property
    def linked_recall(self) -> float:
        return _ratio(self.linked_found, self.linked_expected)

    @property
    def recall(self) -> float:
        return _ratio(
            self.posts_found + self.linked_found, self.posts_expected + self.linked_expected
        )

    @property
    def fields(self) -> float:
        return _ratio(self.fields_right, self.fields_expected)

    @property
    def embedded_fields(self) -> float:
        return _ratio(self.embedded_fields_right, self.embedded_fields_expected)

    def summary(self) -> str:
        return (
            f"{self.pages} pages: embedded posts found {self.posts_found}/"
            f"{self.posts_expected} ({self.embedded_recall:.1%}), linked posts found "
            f"{self.linked_found}/{self.linked_expected} ({self.linked_recall:.1%}), "
            f"fields right {self.fields_right}/{self.fields_expected} ({self.fields:.1%}; "
            f"of embedded posts {self.embedded_fields_right}/{self.embedded_fields_expected}, "
            f"{self.embedded_fields:.1%}), "
            f"{len(self.extras)} records not expected"
        )

    def breakdown(self) -> str:
        """Misses by embed form and by field: what to fix next, biggest first."""
        lines = ["posts found, by embed form:"]
        for form, (expected, found) in sorted(
            self.by_form.items(), key=lambda item: item[1][1] - item[1][0]
        ):
            lines.append(f"  {form:36} {found:4}/{expected:<4}")
        lines.append("fields right, by field (of posts found and not found):")
        for name, (expected, right) in self.by_field.items():
            lines.append(f"  {name:36} {right:4}/{expected:<4}")
        causes = Counter((miss.form, miss.field) for miss in self.misses)
        lines.append("misses by (form, field), most first:")
        for (form, name), count in causes.most_common():
            lines.append(f"  {count:4}  {form} / {name}")
        return "\n".join(lines)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


# --- the corpus -------------------------------------------------------------------------------


def pages(directory: Path = CORPUS) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each page and its expected posts, in name order."""
    for expected in sorted(directory.glob("*.expected.json")):
        page = expected.with_name(expected.name.removesuffix(".expected.json") + ".html")
        yield page, json.loads(expected.read_text(encoding="utf-8"))


def score_corpus(directory: Path = CORPUS, extract: Extract = archiver_reads) -> Score:
    score = Score()
    for page, expected in pages(directory):
        score_page(page.name, expected, extract(page.read_bytes(), str(page)), score)
    return score


def score_page(name: str, expected: dict[str, Any], records: list[Post], score: Score) -> None:
    score.pages += 1
    used: set[int] = set()
    for want in expected["posts"]:
        linked = bool(want.get("linked_only"))
        form = want["form"]
        counts = score.by_form.setdefault(form, [0, 0])
        counts[0] += 1
        index = _match(want, records, used)
        got = records[index] if index is not None else None
        if index is not None:
            used.add(index)
            counts[1] += 1
        if linked:
            score.linked_expected += 1
            score.linked_found += got is not None
        else:
            score.posts_expected += 1
            score.posts_found += got is not None
        label = f"{want['platform']}:{want['post_id']}"
        tally = partial(_tally, score, name, label, form, embedded=not linked)
        tally("found", True, got is not None, got is not None)
        for name_ in FIELDS:
            value = _expected_value(want, name_)
            if value is None:
                continue
            actual = _actual_value(got, name_) if got is not None else None
            tally(name_, value, actual, got is not None and field_right(name_, value, actual))
    score.extras += [(name, post.key) for i, post in enumerate(records) if i not in used]


def _tally(
    score: Score,
    page: str,
    post: str,
    form: str,
    name: str,
    want: Any,
    got: Any,
    right: bool,
    *,
    embedded: bool,
) -> None:
    counts = score.by_field.setdefault(name, [0, 0])
    counts[0] += 1
    score.fields_expected += 1
    score.embedded_fields_expected += embedded
    if right:
        counts[1] += 1
        score.fields_right += 1
        score.embedded_fields_right += embedded
    else:
        score.misses.append(Miss(page, post, form, name, want, got))


def _expected_value(want: dict[str, Any], name: str) -> Any:
    if name.startswith("author."):
        return (want.get("author") or {}).get(name.split(".", 1)[1])
    return want.get(name)


def _actual_value(post: Post, name: str) -> Any:
    if name.startswith("author."):
        return getattr(post.author, name.split(".", 1)[1])
    if name == "media":
        return bool(post.media)
    return getattr(post, name)


# --- matching and normalisation ------------------------------------------------------------------


def _match(want: dict[str, Any], records: list[Post], used: set[int]) -> int | None:
    """The record that is this post: same platform, and the same id (or either's id in the
    other's URL, for platforms whose id has several spellings)."""
    want_id = str(want["post_id"])
    want_url = normalise_url(want.get("url") or "")
    for index, post in enumerate(records):
        if index in used or post.platform != want["platform"]:
            continue
        if post.post_id == want_id or (want_url and normalise_url(post.url) == want_url):
            return index
        if want_id in post.url.split("/") or (want_url and post.post_id in want_url.split("/")):
            return index
    return None


_HOST_PREFIX = re.compile(r"^(?:www|mobile|m)\.")
_INVISIBLE = re.compile("[\u200b-\u200f\u2066-\u2069\ufeff]")
_MEDIA_LINK = re.compile(r"\bpic\.twitter\.com/\w+")
_ELLIPSIS = re.compile(r"(?:…|\.\.\.+)$")


def normalise_url(url: str) -> str:
    """Host without www./m./mobile., twitter.com as x.com, no scheme, query, fragment or
    trailing slash; case kept in the path except on X (handles are case-blind)."""
    parts = urlsplit(url.strip())
    host = _HOST_PREFIX.sub("", parts.netloc.lower())
    path = parts.path.rstrip("/")
    if host == "twitter.com":
        host = "x.com"
    if host == "x.com":
        path = path.lower()
    if host == "youtube.com" and parts.query.startswith("v="):
        path += "?" + parts.query.split("&", 1)[0]
    return host + path


def normalise_text(text: str) -> str:
    """NFC, invisible formatting marks dropped, media permalinks dropped (records move them
    into ``media``), every run of whitespace one space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = _MEDIA_LINK.sub(" ", text)
    return " ".join(text.split())


def text_right(expected: str, actual: str | None) -> bool:
    """Equal after :func:`normalise_text`; when either ends in an ellipsis (the page or the
    record shows only the start), the shorter, without it, must begin the longer."""
    if actual is None:
        return False
    want, got = normalise_text(expected), normalise_text(actual)
    if want == got:
        return True
    cut_want, cut_got = _ELLIPSIS.sub("", want).rstrip(), _ELLIPSIS.sub("", got).rstrip()
    if (cut_want != want or cut_got != got) and cut_want and cut_got:
        shorter, longer = sorted((cut_want, cut_got), key=len)
        return longer.startswith(shorter)
    return False


def date_right(expected: str, actual: str | None) -> bool:
    """A date the page shows (``YYYY-MM-DD``) is right when the record's UTC date is that
    day or the day before or after (embeds print the reader's local date); a time the page
    shows must be there to the minute."""
    if not actual:
        return False
    if len(expected) == 10:
        want, got = date.fromisoformat(expected), date.fromisoformat(actual[:10])
        return abs(got - want) <= timedelta(days=1)
    return len(actual) > 10 and actual[:16] == expected[:16]


def field_right(name: str, expected: Any, actual: Any) -> bool:
    if name == "text":
        return text_right(expected, actual)
    if name == "created_at":
        return date_right(expected, actual)
    if name == "url":
        return bool(actual) and normalise_url(actual) == normalise_url(expected)
    if name == "author.handle":
        return bool(actual) and actual.lstrip("@").lower() == expected.lstrip("@").lower()
    if name in ("author.name", "title"):
        return bool(actual) and normalise_text(actual) == normalise_text(expected)
    if name == "links":
        got = [normalise_url(link) for link in actual or ()]
        return all(
            any(link == normalise_url(want) or link.startswith(normalise_url(want)) for link in got)
            for want in expected
        )
    return bool(actual == expected)
