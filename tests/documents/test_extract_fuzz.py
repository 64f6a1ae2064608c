"""Fuzzing extract_bytes: whatever bytes arrive, no exception escapes but DocumentError,
and every record that comes back is a valid, self-consistent ``Post``.

Inputs are random text and markup, and mutations of the real fixture articles
(truncation, deleted / duplicated / swapped byte ranges, random tags and attributes
spliced in), run through the registry of every platform module.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.documents import DocumentError, DocumentResult, extract_bytes
from archiver.record import Post, content_hash

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [
    (ROOT / "fixtures" / "articles" / name).read_bytes()
    for name in ("news-x-embeds.html", "all-embeds.html", "news-x-embeds.txt")
] + [
    (ROOT / "fixtures" / "pages" / name).read_bytes()
    for name in ("mastodon-post.html", "bluesky-post.html")
]

TAGS = [
    "blockquote",
    "p",
    "a",
    "iframe",
    "script",
    "div",
    "figure",
    "meta",
    "link",
    "time",
    "br",
    "section",
]
ATTRS = [
    "class",
    "href",
    "src",
    "cite",
    "lang",
    "data-href",
    "data-embed-url",
    "data-bluesky-uri",
    "data-telegram-post",
    "data-instgrm-permalink",
    "data-text-post-permalink",
    "data-video-id",
    "property",
    "content",
    "rel",
    "type",
    "datetime",
]
VALUES = st.sampled_from(
    [
        "twitter-tweet",
        "bluesky-embed",
        "mastodon-embed",
        "instagram-media",
        "tiktok-embed",
        "text-post-media",
        "reddit-embed-bq",
        "fb-post",
        "fb-video",
        "wp-block-embed",
        "https://twitter.com/a/status/1234567890123456789",
        "https://x.com/i/status/99",
        "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kaaaaaaaaaa2",
        "https://bsky.app/profile/a.bsky.social/post/3kaaaaaaaaaa2",
        "https://mastodon.example/@a/123/embed",
        "https://www.instagram.com/p/ABCDEFGHIJK/",
        "https://www.tiktok.com/@a/video/7000000000000000000",
        "https://www.threads.com/@a/post/ABCDEFGHIJK",
        "https://www.reddit.com/r/a/comments/abc123/x/",
        "https://www.facebook.com/a/posts/123",
        "chan/5",
        "https://www.youtube.com/embed/AAAAAAAAAAA",
        "og:url",
        "canonical",
        "application/ld+json",
        "2026-13-45T99:99:99Z",
        "",
        "\u202e\U0001f30a<>&\"'",
    ]
)


@st.composite
def random_tag(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(TAGS))
    attrs = draw(
        st.lists(st.tuples(st.sampled_from(ATTRS), VALUES | st.text(max_size=20)), max_size=4)
    )
    inner = draw(st.text(max_size=40))
    attributes = "".join(f' {key}="{value}"' for key, value in attrs)
    closing = draw(st.booleans())
    return f"<{name}{attributes}>{inner}{f'</{name}>' if closing else ''}".encode()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        size = len(data)
        start = draw(st.integers(min_value=0, max_value=max(size - 1, 0)))
        end = draw(st.integers(min_value=start, max_value=min(size, start + 4000)))
        action = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "tag", "bytes"]))
        if action == "truncate":
            del data[start:]
        elif action == "delete":
            del data[start:end]
        elif action == "duplicate":
            data[end:end] = data[start:end]
        elif action == "swap":
            other = draw(st.integers(min_value=0, max_value=max(size - 1, 0)))
            piece = bytes(data[start:end])
            del data[start:end]
            data[min(other, len(data)) : min(other, len(data))] = piece
        elif action == "tag":
            data[start:start] = draw(random_tag())
        else:
            data[start:start] = draw(st.binary(max_size=16))
    return bytes(data)


def check(raw: bytes) -> None:
    try:
        result = extract_bytes(raw, "fuzz.html", captured_at="2026-01-11T08:00:00Z")
    except DocumentError as exc:
        assert str(exc).startswith("fuzz.html: ")
        assert "\n" not in str(exc)
        return
    assert isinstance(result, DocumentResult)
    assert result.raw == raw
    assert result.kind in ("html", "text")
    keys = [post.key for post in result.posts]
    assert len(keys) == len(set(keys))
    for post in result.posts:
        assert isinstance(post, Post)
        again = Post.model_validate(post.to_json_dict())
        assert again == post
        assert post.key == f"{post.platform}:{post.post_id}"
        assert post.content_hash == content_hash(post)
    assert all(isinstance(w, str) and "\n" not in w for w in result.warnings)
    if not result.posts:
        assert result.warnings[-1] == "no embedded posts found in fuzz.html"


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutated())
def test_mutated_fixtures_never_crash(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.lists(random_tag() | st.text(max_size=30).map(str.encode), max_size=30).map(b"".join))
def test_random_markup_never_crashes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_random_bytes_never_crash(raw: bytes) -> None:
    check(raw)
