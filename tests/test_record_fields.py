"""Record rules the hash tests leave open: user info removed from each URL field on its
own, ``with_changes`` giving an independent copy, values that reach a record unvalidated,
and the time helpers on a machine whose clock is not set to UTC."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from archiver.record import Author, Capture, Media, Post, from_epoch, to_utc_iso, utc_now
from tests.conftest import make_post
from tests.test_record import _documented_hash

SECRET = "s3cret-Pa55"
PAGE = "https://example.org/report?a=1"


def _with_credentials(url: str) -> str:
    return url.replace("://", f"://reader:{SECRET}@", 1)


def _web_post(field: str, wrap: Callable[[str], str]) -> Post:
    """A web page's record whose one URL ``field`` went through ``wrap``."""
    fields: dict[str, Any] = {
        "post_id": {"post_id": wrap(PAGE)},
        "url": {"url": wrap(PAGE)},
        "in_reply_to": {"in_reply_to": wrap("https://social.example/@ana/113000000000000001")},
        "author.url": {"author": Author(name="Gauge desk", url=wrap("https://example.org/desk"))},
        "capture.source": {"source": wrap(PAGE)},
        "links": {"links": ["https://a.example/@b/1", wrap("https://forum.example.org/t?t=1")]},
        "quotes": {"quotes": [wrap("https://x.com/hydro/status/1000000000000000009")]},
        "media.url": {"media": [Media(kind="photo", url=wrap("https://cdn.example.org/g.jpg"))]},
    }[field]
    post_id = fields.pop("post_id", PAGE)
    return make_post(post_id, platform="web", **{"url": PAGE, **fields})


_URL_FIELDS = ["post_id", "url", "in_reply_to", "author.url", "capture.source", "links", "quotes"]


@pytest.mark.parametrize("field", [*_URL_FIELDS, "media.url"])
def test_user_info_in_any_one_url_field_is_removed(field: str) -> None:
    """Credentials in a single URL (the others clean, ``in_reply_to`` empty unless it is
    the one) are found and removed before the key and the hash are computed."""
    post = _web_post(field, _with_credentials)
    assert SECRET not in post.to_json()
    assert post.to_json() == _web_post(field, str).to_json()


def test_in_reply_to_is_kept_when_another_url_holds_user_info() -> None:
    reply = "https://social.example/@ana/113000000000000001"
    post = make_post(PAGE, platform="web", url=_with_credentials(PAGE), in_reply_to=reply)
    assert (post.url, post.in_reply_to) == (PAGE, reply)


def test_with_changes_returns_an_independent_record() -> None:
    """Changing the copy's lists or nested objects never alters the original, whose
    stored hash would then no longer match its content."""
    post = make_post(links=["https://example.org/a"])
    before = post.to_json()
    copy = post.with_changes(text="Flood barrier fails")
    copy.links.append("https://example.org/b")
    copy.media[0].alt = "A barrier"
    copy.author.name = "Someone else"
    assert post.to_json() == before
    assert post.content_hash == _documented_hash(post)[1]


# --- values that reach a record unvalidated -------------------------------------------------
#
# with_changes and model_copy do not validate, so a caller can slip in a number, a tuple or
# a plain dict. Whatever a record holds, its hash must be the documented recipe over the
# JSON it is written as, or `verify` rejects the bundle; and to_json_dict is that JSON.


def _author_id_as_number(post: Post) -> Post:
    return post.with_changes(author=post.author.model_copy(update={"id": 4242}))


_SLIPPED_IN: dict[str, Callable[[Post], Post]] = {
    "an author id read as a number": _author_id_as_number,
    "a reply id read as a number": lambda post: post.with_changes(in_reply_to=4242),
    "links as a tuple": lambda post: post.with_changes(links=("https://example.org/a",)),
    "links as one string": lambda post: post.with_changes(links="https://example.org/a"),
    "created_at as a datetime": lambda post: post.with_changes(created_at=datetime(2026, 1, 7)),
    "an author as a dict": lambda post: post.with_changes(author={"name": "Ana", "handle": "ana"}),
    "media as dicts": lambda post: post.with_changes(
        media=[{"kind": "photo", "url": "https://cdn.example.org/g.jpg", "alt": "A gauge"}]
    ),
    "a capture as a dict, and new text": lambda post: post.with_changes(
        capture={"method": "api", "captured_at": "2026-01-07T10:00:00Z"}, text="Barrier fails"
    ),
}


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # it writes an odd value
@pytest.mark.parametrize("change", _SLIPPED_IN.values(), ids=list(_SLIPPED_IN))
def test_a_value_slipped_in_unvalidated_still_gets_the_documented_hash(
    change: Callable[[Post], Post],
) -> None:
    # A Mastodon URL: its path's @ is no user info, and must not be taken for it.
    post = make_post("113000000000000001", platform="mastodon", url="https://social.example/@ana/1")
    changed = change(post)
    written = json.loads(changed.to_json())
    assert changed.content_hash == _documented_hash(changed)[1] == written["content_hash"]
    assert changed.content_hash != post.content_hash
    assert changed.to_json_dict() == written


# --- time helpers, on a machine whose local time is not UTC ---------------------------------


@pytest.fixture
def local_time_not_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone set to UTC-5 (a POSIX rule: no tz database needed)."""
    monkeypatch.setenv("TZ", "ABC+5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_time_not_utc")
def test_time_helpers_never_use_the_local_time_zone() -> None:
    assert time.localtime(0).tm_hour == 19  # the fixture took effect
    assert to_utc_iso(datetime(2026, 1, 7, 10)) == "2026-01-07T10:00:00Z"  # naive is UTC
    plus_two = timezone(timedelta(hours=2))
    assert to_utc_iso(datetime(2026, 1, 7, 10, tzinfo=plus_two)) == "2026-01-07T08:00:00Z"
    assert from_epoch(0) == "1970-01-01T00:00:00Z"
    assert from_epoch(1700000000) == "2023-11-14T22:13:20Z"


@pytest.mark.usefixtures("local_time_not_utc")
def test_utc_now_is_the_current_utc_second_in_the_record_form() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = utc_now()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", now)
    assert before <= datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= after
    Capture(method="api", source=PAGE, captured_at=now, raw_sha256="0" * 64)  # accepted
