from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from archiver.record import (
    HASHED_FIELDS,
    PLATFORMS,
    Author,
    Capture,
    Media,
    Post,
    _post_canonical_json,
    canonical_json,
    content_hash_of_dict,
    from_epoch,
    hashed_view,
    parse_iso_utc,
    to_utc_iso,
    without_userinfo,
)
from tests.conftest import make_post


def test_key_and_hash_are_computed_on_construction() -> None:
    post = make_post()
    assert post.key == "twitter:1000000000000000001"
    assert post.content_hash.startswith("sha256:")
    assert len(post.content_hash) == len("sha256:") + 64


def _documented_hash(post: Post) -> tuple[bytes, str]:
    """The docs/record.md recipe, written out independently, on the record as any reader
    of posts.jsonl sees it: (canonical bytes, content hash)."""
    record = json.loads(post.to_json())
    view = {name: record.get(name) for name in HASHED_FIELDS}
    view["media"] = [{k: m.get(k) for k in ("kind", "url", "alt")} for m in record["media"]]
    canonical = rfc8785.dumps(view)
    return canonical, "sha256:" + hashlib.sha256(canonical).hexdigest()


def test_hash_recipe_in_docs_matches_code() -> None:
    post = make_post()
    assert post.content_hash == json.loads(post.to_json())["content_hash"]
    assert post.content_hash == _documented_hash(post)[1]


def test_hash_ignores_metrics_and_capture_but_not_text() -> None:
    base = make_post()
    recaptured = make_post(
        method="api",
        source="https://api",
        captured_at="2026-02-01T00:00:00Z",
        raw=b"{}",
        metrics={"likes": 99},
    )
    edited = make_post(text="Flood barrier fails on the river Esk #floods")
    assert recaptured.content_hash == base.content_hash
    assert edited.content_hash != base.content_hash


def test_hash_of_tampered_dict_differs() -> None:
    record = make_post().to_json_dict()
    assert content_hash_of_dict(record) == record["content_hash"]
    record["text"] += "!"
    assert content_hash_of_dict(record) != record["content_hash"]


def test_no_url_field_of_a_record_keeps_user_info() -> None:
    """Whoever builds a record (a parser, a merge, a stored record read back), credentials
    in its URLs never reach its key, its hash or its JSON."""
    secret = "s3cret-Pa55"

    def cred(url: str) -> str:
        return url.replace("://", f"://reader:{secret}@", 1)

    page = "https://example.org/report?a=1"
    post = make_post(
        page,
        platform="web",
        url=cred(page),
        author=Author(name="Gauge desk", url=cred("https://example.org/desk")),
        media=[Media(kind="photo", url=cred("https://cdn.example.org/g.jpg"), alt="A gauge")],
        links=[cred("https://forum.example.org/viewtopic.php?t=1"), "https://a.example/@b/1"],
        quotes=[cred("https://x.com/hydro/status/1000000000000000009")],
        in_reply_to=cred("https://social.example/@ana/113000000000000001"),
        source=cred("https://example.org/report?a=1"),
    )
    assert (post.key, post.url) == (f"web:{page}", page)
    assert post.links == ["https://forum.example.org/viewtopic.php?t=1", "https://a.example/@b/1"]
    assert post.author.url == "https://example.org/desk"
    assert post.capture.source == page
    assert secret not in post.to_json()
    assert post.content_hash == make_post(page, platform="web", url=page).with_changes(
        author=post.author, media=post.media, links=post.links, quotes=post.quotes,
        in_reply_to=post.in_reply_to,
    ).content_hash  # fmt: skip
    changed = post.with_changes(post_id=cred(page), links=[cred("https://example.org/b")])
    assert (changed.key, changed.links) == (f"web:{page}", ["https://example.org/b"])
    record = post.to_json_dict()
    record["url"] = cred(page)
    assert secret not in Post.model_validate(record).to_json()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:p@example.org/a", "https://example.org/a"),
        ("https://a@b@example.org/p?q=@x", "https://example.org/p?q=@x"),  # the last @ counts
        ("//u@example.org/a", "//example.org/a"),
        ("https://social.example/@ana/1", "https://social.example/@ana/1"),  # a path's @
        ("https://example.org/?to=a@b.example", "https://example.org/?to=a@b.example"),
        ("mailto:a@example.org", "mailto:a@example.org"),
        ("a@example.org", "a@example.org"),
    ],
)
def test_without_userinfo(url: str, expected: str) -> None:
    assert without_userinfo(url) == expected


def test_post_id_is_always_a_string() -> None:
    post = make_post(post_id=1234567890123456789012)  # type: ignore[arg-type]
    assert post.post_id == "1234567890123456789012"
    with pytest.raises(ValidationError):
        make_post(post_id="")


@pytest.mark.parametrize(
    "value", ["2026-01-07", "2026-01-07T10:00:00Z", "2026-01-07T10:00:00.123Z"]
)
def test_created_at_forms_accepted(value: str) -> None:
    assert make_post(created_at=value).created_at == value


@pytest.mark.parametrize("value", ["January 7, 2026", "2026-01-07T10:00:00+01:00", "2026-1-7"])
def test_created_at_forms_rejected(value: str) -> None:
    with pytest.raises(ValidationError):
        make_post(created_at=value)


def test_time_helpers() -> None:
    assert parse_iso_utc("2021-10-30T22:00:03+02:00") == "2021-10-30T20:00:03Z"
    assert parse_iso_utc("2016-03-16T14:44:31.580Z") == "2016-03-16T14:44:31.58Z"
    assert parse_iso_utc("2016-03-16T14:44:31") is None
    assert parse_iso_utc("not a date") is None
    assert from_epoch(0) == "1970-01-01T00:00:00Z"
    assert from_epoch("1700000000.5") == "2023-11-14T22:13:20.5Z"
    from datetime import datetime

    assert to_utc_iso(datetime(2026, 1, 7, 10)) == "2026-01-07T10:00:00Z"


def test_with_changes_recomputes_hash() -> None:
    post = make_post()
    changed = post.with_changes(text="other")
    assert changed.text == "other"
    assert changed.content_hash != post.content_hash
    assert changed.key == post.key


def test_json_round_trip_keeps_hash() -> None:
    post = make_post()
    again = Post.model_validate_json(post.to_json())
    assert again.content_hash == post.content_hash
    assert json.loads(post.to_json())["schema"] == "archiver.post/1"


_json_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
# Numbers too: a number slipped into a view must reach rfc8785, wherever it is nested.
_json_numbers = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.floats(
    allow_nan=False, allow_infinity=False
)
_json_values = st.recursive(
    st.none() | st.booleans() | _json_text | _json_numbers,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=8), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_canonical_json_agrees_with_rfc8785(value: object) -> None:
    assert canonical_json({"v": value}) == rfc8785.dumps({"v": value})


@pytest.mark.parametrize(
    "view", [{"n": 1.0, "s": "x"}, {"n": [1.0, "x"]}, {"n": {"deep": [2.5e21]}}]
)
def test_canonical_json_falls_back_for_numbers(view: dict[str, object]) -> None:
    assert canonical_json(view) == rfc8785.dumps(view)


# --- the content hash of any post, byte for byte against rfc8785 ----------------------------
#
# Post.content_hash serialises the hashed view straight from a validated Post (a fast path);
# the documented recipe is rfc8785 over the record's JSON. These must agree for every post,
# whatever its fields hold: the strategies below populate every hashed field, media with
# and without alt text, and text drawn from all of Unicode except surrogates (control
# characters, astral characters, quotes, backslashes, U+2028) so every JSON escape is used.

_TRICKY = '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f"\\/\u00e9\u2028\u2029\ufeff\U0001f30a\U00010000'
_chars = st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(list(_TRICKY)))
_text = st.text(alphabet=_chars, max_size=30)
_some_text = st.text(alphabet=_chars, min_size=1, max_size=30)
_maybe = st.none() | _text
_moment = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1))
_created = st.one_of(
    st.none(),
    _moment.map(lambda m: m.strftime("%Y-%m-%d")),
    _moment.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%SZ")),
    _moment.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
)
_kinds = st.sampled_from(["photo", "video", "gif", "audio", "unknown"])


def _media(alt: st.SearchStrategy[str | None]) -> st.SearchStrategy[Media]:
    return st.builds(
        Media,
        kind=_kinds,
        url=_text,
        alt=alt,
        sha256=_maybe,
        content_type=_maybe,
    )


def _posts(full: bool) -> st.SearchStrategy[Post]:
    """Posts; with ``full``, every optional hashed field holds a value and lists are non-empty."""
    optional = _some_text if full else _maybe

    def many(item: st.SearchStrategy[str] | st.SearchStrategy[Media]) -> st.SearchStrategy[list]:
        return st.lists(item, min_size=1 if full else 0, max_size=3)

    capture = st.builds(
        Capture,
        method=st.sampled_from(["embed-html", "text-embed", "page-meta", "api"]),
        source=_text,
        captured_at=st.just("2026-01-07T10:00:00Z"),
        raw_sha256=st.just("0" * 64),
    )
    return st.builds(
        Post,
        platform=st.sampled_from(PLATFORMS),
        post_id=_some_text.filter(str.strip),
        url=_text,
        author=st.builds(Author, name=optional, handle=optional, id=optional, url=optional),
        created_at=_created.filter(lambda v: v is not None) if full else _created,
        title=optional,
        text=_text,
        text_truncated=st.booleans(),
        lang=optional,
        media=many(_media(_some_text if full else _maybe)),
        links=many(_text),
        hashtags=many(_text),
        mentions=many(_text),
        in_reply_to=optional,
        quotes=many(_text),
        metrics=st.dictionaries(_text, st.integers(min_value=0, max_value=2**53)),
        capture=capture,
    )


@settings(max_examples=400, deadline=None)
@given(st.one_of(_posts(full=True), _posts(full=False)))
def test_content_hash_of_any_post_is_the_documented_rfc8785_hash(post: Post) -> None:
    canonical, expected = _documented_hash(post)
    # The fast path itself, not only the hash: one that gave up on some posts (and let
    # the general path answer) would pass everything else here while extraction slows.
    assert _post_canonical_json(post) == canonical.decode("utf-8")
    assert canonical_json(hashed_view(post.to_json_dict())) == canonical
    assert post.content_hash == expected
    again = Post.model_validate_json(post.to_json())
    assert again.content_hash == expected


@pytest.mark.parametrize("field", ["alt", "kind", "url"])
def test_every_hashed_media_field_changes_the_hash(field: str) -> None:
    post = make_post(media=[Media(kind="photo", url="https://example.org/a.jpg", alt="A levee")])
    item = post.media[0]
    other = {"alt": "A dam", "kind": "video", "url": "https://example.org/b.jpg"}[field]
    changed = post.with_changes(media=[item.model_copy(update={field: other})])
    assert changed.content_hash != post.content_hash
    assert changed.content_hash == _documented_hash(changed)[1]
