"""The one merge of two observations of a post (``archiver/merge.py``): its rules one by
one, then properties over generated pairs of posts."""

from __future__ import annotations

import hashlib
from typing import get_args

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.merge import METHOD_RANK, as_key_of, merge, merge_all, outranks, same_post
from archiver.record import Author, Capture, CaptureMethod, Media, Post, hashed_view
from tests.conftest import make_post

# -- which observation is the base -----------------------------------------------------------


def test_of_two_captures_of_one_kind_in_the_same_second_the_later_wins() -> None:
    first = make_post(text="Barrier failed twice", method="api", source="api")
    edited = make_post(text="Correction: barrier failed once", method="api", source="api")
    assert first.capture.captured_at == edited.capture.captured_at

    assert merge(first, edited).text == "Correction: barrier failed once"


def test_a_live_capture_wins_over_a_later_embed_and_the_embed_fills_gaps() -> None:
    live = make_post(text="Full text from the API", method="api", media=[], lang=None)
    embed = make_post(
        text="Full text from the embed", captured_at="2026-01-08T10:00:00Z", lang="en"
    )

    merged = merge(live, embed)

    assert merged.text == "Full text from the API"
    assert merged.capture == live.capture
    assert merged.lang == "en"
    assert [m.url for m in merged.media] == ["https://pic.twitter.com/AbC123"]


def test_a_newer_capture_of_the_same_kind_wins() -> None:
    older = make_post(text="Before the edit", method="api", captured_at="2026-01-08T10:00:00Z")
    newer = make_post(text="After the edit", method="api", captured_at="2026-01-09T10:00:00Z")
    assert merge(older, newer).text == merge(newer, older).text == "After the edit"


def test_capture_times_compare_as_times_not_as_strings() -> None:
    whole = make_post(text="whole second", method="api", captured_at="2026-01-08T10:00:00Z")
    later = make_post(text="half a second on", method="api", captured_at="2026-01-08T10:00:00.5Z")
    assert merge(later, whole).text == "half a second on"  # "...00.5Z" < "...00Z" as text


def test_two_different_posts_are_never_merged() -> None:
    with pytest.raises(ValueError, match="different posts"):
        merge(make_post("1"), make_post("2"))


# -- text ---------------------------------------------------------------------------------------


def test_a_full_text_replaces_a_truncated_one_from_a_stronger_capture() -> None:
    cut = make_post(text="Long note cut…", text_truncated=True, method="api")
    full = make_post(text="Long note cut short by the API, whole in the embed")
    for merged in (merge(cut, full), merge(full, cut)):
        assert (merged.text, merged.text_truncated) == (full.text, False)
        assert merged.capture == cut.capture  # the API capture stays the base


def test_a_truncated_text_never_replaces_a_full_one() -> None:
    full = make_post(text="The whole text, from an embed")
    cut = make_post(text="The whole…", text_truncated=True, method="api")
    assert merge(full, cut).text == merge(cut, full).text == "The whole text, from an embed"


def test_any_text_fills_an_empty_one_and_brings_its_truncation() -> None:
    empty = make_post(text="", method="oembed")
    cut = make_post(text="Partial…", text_truncated=True)
    merged = merge(empty, cut)
    assert (merged.text, merged.text_truncated, merged.capture) == (
        "Partial…",
        True,
        empty.capture,
    )


# -- created_at ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "stronger", "expected"),
    [
        # Same UTC day: the timestamp replaces the date, whichever capture is stronger.
        ("2026-01-07T23:15:00Z", "date", "2026-01-07T23:15:00Z"),
        ("2026-01-07T23:15:00Z", "timestamp", "2026-01-07T23:15:00Z"),
        # Another day: a different claim; the stronger capture's value stands.
        ("2026-01-08T02:15:00Z", "date", "2026-01-07"),
        ("2026-01-08T02:15:00Z", "timestamp", "2026-01-08T02:15:00Z"),
    ],
)
def test_a_timestamp_replaces_a_date_only_on_the_same_day(
    stamp: str, stronger: str, expected: str
) -> None:
    date = make_post(created_at="2026-01-07", method="api" if stronger == "date" else "embed-html")
    timed = make_post(
        created_at=stamp, method="api" if stronger == "timestamp" else "embed-html", source="o"
    )
    assert merge(date, timed).created_at == merge(timed, date).created_at == expected


def test_a_missing_date_is_filled_and_a_date_never_replaces_a_timestamp() -> None:
    none = make_post(created_at=None, method="api")
    date = make_post(created_at="2026-01-07")
    assert merge(none, date).created_at == "2026-01-07"
    stamp = make_post(created_at="2026-01-07T09:00:00Z", method="api")
    assert merge(date, stamp).created_at == merge(stamp, date).created_at == stamp.created_at


# -- everything else ------------------------------------------------------------------------------


def test_author_fields_fill_one_by_one_and_the_base_keeps_its_own() -> None:
    live = make_post(method="api", author=Author(handle="riverwatch", id="42"))
    embed = make_post(author=Author(name="River Watch", handle="old_handle", url="https://x.com/r"))
    assert merge(embed, live).author == Author(
        name="River Watch", handle="riverwatch", id="42", url="https://x.com/r"
    )


def test_media_items_gain_the_details_the_other_capture_knows() -> None:
    url = "https://pbs.example/1.jpg"
    live = make_post(method="api", media=[Media(kind="unknown", url=url)])
    downloaded = make_post(
        media=[Media(kind="photo", url=url, alt="A flooded road", sha256="ab" * 32)],
    )
    merged = merge(downloaded, live)
    assert merged.media == [Media(kind="photo", url=url, alt="A flooded road", sha256="ab" * 32)]
    assert merged.capture == live.capture


def test_metrics_are_one_snapshot_never_mixed() -> None:
    embed = make_post(metrics={"likes": 1, "views": 9})
    live = make_post(method="api", metrics={"likes": 5})
    assert merge(embed, live).metrics == {"likes": 5}
    assert merge(embed, live.with_changes(metrics={})).metrics == {"likes": 1, "views": 9}


def test_lists_fill_only_when_empty() -> None:
    live = make_post(method="api", hashtags=["floods"], links=[])
    embed = make_post(hashtags=["other"], links=["https://council.example/notice"])
    merged = merge(live, embed)
    assert (merged.hashtags, merged.links) == (["floods"], ["https://council.example/notice"])


def test_nothing_to_add_returns_the_base_itself() -> None:
    live = make_post(method="api")
    assert merge(make_post(), live) is live
    # The store writes a post's view again only when the merge made a new record.
    bare, bare_live = make_post(media=[]), make_post(method="api", media=[])
    assert merge(bare, bare_live) is bare_live
    url = "https://pic.twitter.com/AbC123"
    unknown = make_post(media=[Media(kind="unknown", url=url)])
    unknown_live = make_post(method="api", media=[Media(kind="unknown", url=url)])
    assert merge(unknown, unknown_live) is unknown_live  # "unknown" teaches "unknown" nothing
    described = [Media(kind="photo", url=url, alt="A flooded road")]
    assert merge(make_post(media=described), live).media == described
    fuller = make_post(method="api", media=described)
    assert merge(make_post(), fuller) is fuller


def test_every_capture_method_has_a_rank() -> None:
    assert set(METHOD_RANK) == set(get_args(CaptureMethod))


def test_merge_all_folds_in_arrival_order() -> None:
    embed = make_post(created_at="2026-01-07", text="Short…", text_truncated=True)
    oembed = make_post(method="oembed", created_at=None, text="The full text")
    api = make_post(method="api", created_at="2026-01-07T08:00:00Z", text="", media=[])
    merged = merge_all([embed, oembed, api])
    assert (merged.capture, merged.text, merged.created_at) == (
        api.capture,
        "The full text",
        "2026-01-07T08:00:00Z",
    )
    assert [m.url for m in merged.media] == [m.url for m in embed.media]
    with pytest.raises(ValueError, match=r"^merge_all needs at least one observation$"):
        merge_all([])


# -- properties over generated pairs ------------------------------------------------------------

_maybe_text = st.none() | st.text(min_size=1, max_size=8)
_days = st.sampled_from(["2026-01-07", "2026-01-08"])


@st.composite
def _created(draw: st.DrawFn) -> str | None:
    kind = draw(st.sampled_from(["none", "date", "stamp"]))
    if kind == "none":
        return None
    day = draw(_days)
    return day if kind == "date" else f"{day}T{draw(st.integers(0, 23)):02d}:30:00Z"


_media = st.builds(
    Media,
    kind=st.sampled_from(["photo", "video", "unknown"]),
    url=st.sampled_from(["https://m.example/1.jpg", "https://m.example/2.mp4"]),
    alt=st.none() | st.text(max_size=6),
    sha256=st.none() | st.just("cd" * 32),
    content_type=st.none() | st.just("image/jpeg"),
)


@st.composite
def posts(draw: st.DrawFn) -> Post:
    """One observation of the post ``twitter:7``: any field may be known or not."""
    capture = Capture(
        method=draw(st.sampled_from(sorted(METHOD_RANK))),  # type: ignore[arg-type]
        source=draw(st.sampled_from(["a.html", "https://api.example/7"])),
        captured_at=draw(st.sampled_from(["2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z"])),
        raw_sha256=draw(st.sampled_from(["0" * 64, "1" * 64])),
    )
    words = st.lists(st.text(min_size=1, max_size=5), max_size=2)
    return Post(
        platform="twitter",
        post_id="7",
        url=draw(st.sampled_from(["https://x.com/a/status/7", "https://x.com/i/status/7"])),
        author=Author(
            name=draw(_maybe_text),
            handle=draw(_maybe_text),
            id=draw(_maybe_text),
            url=draw(_maybe_text),
        ),
        created_at=draw(_created()),
        title=draw(_maybe_text),
        text=draw(st.text(max_size=12)),
        text_truncated=draw(st.booleans()),
        lang=draw(st.none() | st.sampled_from(["en", "de"])),
        media=draw(st.lists(_media, max_size=2, unique_by=lambda m: m.url)),
        links=draw(words),
        hashtags=draw(words),
        mentions=draw(words),
        in_reply_to=draw(_maybe_text),
        quotes=draw(words),
        metrics=draw(st.dictionaries(st.sampled_from(["likes", "views"]), st.integers(0, 9))),
        capture=capture,
    )


#: Generated pairs per property; no deadline, as the machine running the suite may be busy.
_PROPERTY = settings(max_examples=150, deadline=None)


def _base(earlier: Post, later: Post) -> tuple[Post, Post]:
    return (later, earlier) if outranks(later, earlier) else (earlier, later)


@_PROPERTY
@given(posts(), posts())
def test_merge_is_idempotent(a: Post, b: Post) -> None:
    merged = merge(a, b)
    assert merge(a, a) == a
    assert merge(merged, b) == merged  # the same observation merged in again adds nothing
    if _base(a, b)[0] is b and not outranks(a, b):  # a strictly weaker: never the base again
        assert merge(merged, a) == merged


@_PROPERTY
@given(posts(), posts())
def test_the_stronger_observation_is_the_base_whatever_the_order(a: Post, b: Post) -> None:
    base, _ = _base(a, b)
    merged = merge(a, b)
    assert (merged.capture, merged.url) == (base.capture, base.url)
    if outranks(a, b) != outranks(b, a):  # no tie: the order of arrival does not matter
        assert merge(b, a) == merged


@_PROPERTY
@given(posts(), posts())
def test_nothing_known_is_lost(a: Post, b: Post) -> None:
    merged = merge(a, b)
    for name in ("title", "lang", "in_reply_to", "text", "created_at", "metrics", "media"):
        if getattr(a, name) or getattr(b, name):
            assert getattr(merged, name), name
    for name in ("links", "hashtags", "mentions", "quotes"):
        if getattr(a, name) or getattr(b, name):
            assert getattr(merged, name), name
    for name in ("name", "handle", "id", "url"):
        if getattr(a.author, name) or getattr(b.author, name):
            assert getattr(merged.author, name), name
    for item in merged.media:
        for source in (a, b):
            for known in (m for m in source.media if m.url == item.url):
                for name in ("alt", "sha256", "content_type"):
                    assert getattr(known, name) is None or getattr(item, name) is not None


@_PROPERTY
@given(posts(), posts())
def test_text_date_and_metrics_rules_hold(a: Post, b: Post) -> None:
    base, other = _base(a, b)
    merged = merge(a, b)
    # Text: a full text is never replaced by a truncated one.
    if any(p.text and not p.text_truncated for p in (a, b)):
        assert merged.text and not merged.text_truncated
    assert (merged.text, merged.text_truncated) in {
        (a.text, a.text_truncated),
        (b.text, b.text_truncated),
    }
    # Date: the base's, unless it had none, or only the day of the other's timestamp.
    gains_time = (
        base.created_at is not None
        and len(base.created_at) == 10
        and other.created_at is not None
        and len(other.created_at) > 10
        and other.created_at.startswith(base.created_at)
    )
    if base.created_at is None or gains_time:
        assert merged.created_at == (other.created_at or base.created_at)
    else:
        assert merged.created_at == base.created_at
    # Metrics: one whole snapshot.
    assert merged.metrics == (base.metrics or other.metrics)


@_PROPERTY
@given(posts(), posts())
def test_the_merged_content_hash_is_the_records_own(a: Post, b: Post) -> None:
    merged = merge(a, b)
    view = hashed_view(merged.to_json_dict())
    assert merged.content_hash == "sha256:" + hashlib.sha256(rfc8785.dumps(view)).hexdigest()
    assert Post.model_validate_json(merged.to_json()) == merged


# -- a post found in flattened text, and the same post with its id ----------------------------


def _from_text(text: str, **fields: object) -> Post:
    defaults: dict[str, object] = {"method": "text-embed", "url": "https://x.com/riverwatch"}
    return make_post("text-0123456789abcdef", text=text, **(defaults | fields))


WITH_ID = make_post(
    text="Barrier at Esk Bridge holds.\nLevels fall from 3.4 m https://t.co/Ab12Cd34Ef",
    created_at="2026-01-07T22:10:00Z",
)


@pytest.mark.parametrize(
    "text",
    [
        "Barrier at Esk Bridge holds. Levels fall from 3.4 m https://t.co/Ab12Cd34Ef",
        "barrier at esk bridge holds.levels fall from 3.4 m pic.twitter.com/Zz9",
        "Barrier at Esk Bridge holds. Levels fall from 3.4\u00a0m",
    ],
    ids=["spacing", "case-glued-pic-link", "no-link-nbsp"],
)
def test_a_text_post_is_the_post_whose_text_differs_only_as_renderings_do(text: str) -> None:
    assert same_post(_from_text(text), WITH_ID)
    joined = as_key_of(_from_text(text), WITH_ID.post_id, WITH_ID.url)
    assert merge(joined, WITH_ID).key == WITH_ID.key


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Barrier at Esk Bridge holds. Levels fall from 3.5 m", {}),
        ("Barrier at Esk Bridge holds. Levels fall from 3.4 m https://t.co/Other0000", {}),
        ("Barrier at Esk Bridge holds.", {"text_truncated": True}),
        ("Barrier at Esk Bridge holds. Levels fall from 3.4 m", {"created_at": "2026-01-05"}),
        ("Barrier at Esk Bridge holds. Levels fall from 3.4 m", {"created_at": None}),
        (
            "Barrier at Esk Bridge holds. Levels fall from 3.4 m",
            {"author": Author(name="River Watch", handle="riverwatch_fan")},
        ),
    ],
    ids=["one-figure", "other-link", "short-cut", "two-days", "no-date", "other-author"],
)
def test_a_near_miss_is_another_post(text: str, fields: dict[str, object]) -> None:
    assert not same_post(_from_text(text, **fields), WITH_ID)


def test_a_cut_text_is_the_start_of_the_post_a_day_later_in_utc() -> None:
    cut = _from_text("Barrier at Esk Bridge holds. Levels fa…", created_at="2026-01-08")
    assert not same_post(cut, WITH_ID)  # not marked cut: a shorter post is another post
    assert same_post(cut.with_changes(text_truncated=True), WITH_ID)


def test_only_a_text_post_and_a_post_with_an_id_can_be_one() -> None:
    assert not same_post(WITH_ID, WITH_ID)
    text_post = _from_text(WITH_ID.text)
    assert not same_post(text_post, text_post)


FULL = "Barrier at Esk Bridge holds. Levels fall from 3.4 m"


@pytest.mark.parametrize(
    ("text_handle", "id_handle"),
    [("@RiverWatch", "riverwatch"), ("riverwatch", "@RIVERWATCH"), ("@XRiver", "xriver")],
    ids=["at-sign-in-text", "at-sign-with-id", "only-the-at-sign-goes"],
)
def test_handles_match_with_or_without_their_at_sign_in_any_case(
    text_handle: str, id_handle: str
) -> None:
    found = _from_text(FULL, author=Author(name="River Watch", handle=text_handle))
    with_id = WITH_ID.with_changes(author=Author(name="River Watch", handle=id_handle))
    assert same_post(found, with_id)


def test_a_post_without_a_handle_on_either_side_is_never_matched() -> None:
    nameless = Author(name="River Watch", handle=None)
    assert not same_post(_from_text(FULL, author=nameless), WITH_ID)
    assert not same_post(_from_text(FULL), WITH_ID.with_changes(author=nameless))


def test_a_post_on_another_platform_is_another_post() -> None:
    assert not same_post(_from_text(FULL, platform="mastodon"), WITH_ID)


@pytest.mark.parametrize(
    ("created_at", "same"),
    [("2026-01-07T09:00:00Z", True), ("2026-01-08T23:59:00Z", True), ("2026-02-30", False)],
    ids=["same-day", "next-day", "no-such-day"],
)
def test_dates_compare_by_day_whatever_their_form(created_at: str, same: bool) -> None:
    assert same_post(_from_text(FULL, created_at=created_at), WITH_ID) is same


def test_a_cut_text_matches_from_24_letters_and_digits_on() -> None:
    # "barrieratesk bridgeholds" + "l": 24 letters kept for comparison, then 23.
    at_least = _from_text("Barrier at Esk Bridge holds. L…", text_truncated=True)
    too_short = _from_text("Barrier at Esk Bridge holds.…", text_truncated=True)
    assert same_post(at_least, WITH_ID)
    assert not same_post(too_short, WITH_ID)


def test_a_joined_text_post_takes_the_id_and_the_url_of_its_post() -> None:
    joined = as_key_of(_from_text(FULL), WITH_ID.post_id, WITH_ID.url)
    assert (joined.post_id, joined.url, joined.key) == (WITH_ID.post_id, WITH_ID.url, WITH_ID.key)


def test_links_agree_despite_the_punctuation_after_them_and_cut_labels_do_not_count() -> None:
    assert same_post(_from_text(FULL + " https://t.co/Ab12Cd34Ef."), WITH_ID)
    assert same_post(_from_text(FULL + " (https://t.co/Ab12Cd34Ef)"), WITH_ID)
    assert same_post(_from_text(FULL + " https://news.example/flood-barri…"), WITH_ID)


def test_links_that_differ_in_their_last_letter_are_other_links() -> None:
    with_id = WITH_ID.with_changes(text=FULL + " https://t.co/Ab12Cd34X")
    assert not same_post(_from_text(FULL + " https://t.co/Ab12Cd34"), with_id)
    assert same_post(_from_text(FULL + " https://t.co/Ab12Cd34X"), with_id)
