"""Mastodon and the fediverse: URL shapes, embeds, flattened text, REST and ActivityPub answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints
from archiver.platforms.activitypub import content_parts
from archiver.platforms.base import (
    FollowUp,
    Found,
    Gone,
    Outcome,
    ParseError,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.platforms.mastodon import PLATFORM
from archiver.record import Capture, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
LOCAL = "http://127.0.0.1:8123"
ENDPOINTS = Endpoints(
    **{
        name: LOCAL
        for name in [
            "twitter_syndication",
            "twitter_oembed",
            "bluesky_appview",
            "reddit",
            "telegram",
            "youtube",
            "tiktok",
            "meta_oembed",
            "threads_oembed",
            "wayback",
            "memento_timemap",
        ]
    }
)
RECEIVED = "2025-03-07T12:00:00Z"
ACCEPT_AP = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def answer(request: Request, status: int, body: bytes, url: str | None = None) -> Response:
    return Response(request, status, url or request.url, {}, body, RECEIVED)


def ref_for(url: str) -> PostRef:
    ref = PLATFORM.match(url)
    assert ref is not None
    return ref


def read(ref: PostRef, request: Request, status: int, name: str) -> Outcome:
    return PLATFORM.read_response(ref, answer(request, status, fixture(name)), ENDPOINTS)


def fields(post: Post) -> dict[str, Any]:
    data = post.to_json_dict()
    for volatile in ("schema", "capture", "content_hash", "text_truncated"):
        data.pop(volatile)
    return data


def capture(method: str) -> Capture:
    return Capture(
        method=method, source="file:///article", captured_at=RECEIVED, raw_sha256="0" * 64
    )  # type: ignore[arg-type]


# --- URL recognition -------------------------------------------------------------------

ALICE = "114103637122945249"


@pytest.mark.parametrize(
    ("url", "post_id", "canonical", "handle"),
    [
        (f"https://social.example/@alice/{ALICE}", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        (f"http://127.0.0.1:8123/@alice/{ALICE}", f"127.0.0.1:8123/{ALICE}",
         f"http://127.0.0.1:8123/@alice/{ALICE}", "alice@127.0.0.1"),
        (f"https://Social.Example:443/@alice/{ALICE}/?utm_source=x#top", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        (f"https://social.example/@bruno@news.example.net/{ALICE}", f"social.example/{ALICE}",
         f"https://social.example/@bruno@news.example.net/{ALICE}", "bruno@news.example.net"),
        (f"https://social.example/users/alice/statuses/{ALICE}", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        (f"https://social.example/web/statuses/{ALICE}", f"social.example/{ALICE}",
         f"https://social.example/web/statuses/{ALICE}", None),
        (f"https://social.example/web/@alice/{ALICE}", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        (f"https://social.example/@alice/{ALICE}/embed", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        (f"https://social.example/users/alice/statuses/{ALICE}/embed", f"social.example/{ALICE}",
         f"https://social.example/@alice/{ALICE}", "alice@social.example"),
        ("https://pleroma.example/notice/AbCdEf0123456789xy", "pleroma.example/AbCdEf0123456789xy",
         "https://pleroma.example/notice/AbCdEf0123456789xy", None),
        ("https://mk.example/notes/a1b2c3d4e5", "mk.example/a1b2c3d4e5",
         "https://mk.example/notes/a1b2c3d4e5", None),
        ("https://gts.example/@bob/statuses/01HQ3ZQ7Y6V1K9X8W2C4N5M6P7",
         "gts.example/01HQ3ZQ7Y6V1K9X8W2C4N5M6P7",
         "https://gts.example/@bob/statuses/01HQ3ZQ7Y6V1K9X8W2C4N5M6P7", "bob@gts.example"),
    ],
)  # fmt: skip
def test_match_post_urls(url: str, post_id: str, canonical: str, handle: str | None) -> None:
    ref = PLATFORM.match(url)
    assert ref == PostRef(platform="mastodon", post_id=post_id, url=canonical, handle=handle)
    assert ref.key == f"mastodon:{post_id}"


@pytest.mark.parametrize(
    "url",
    [
        "https://social.example/@alice",
        "https://social.example/@alice/with_replies",
        "https://social.example/",
        "https://social.example/tags/FloodWatch",
        "https://www.tiktok.com/@someone/video/7345678901234567890",
        "https://www.threads.net/@someone/post/C4aBcDeFgHi",
        "https://www.youtube.com/@channel/12345",
        "https://x.com/@alice/12345",
        "https://example.com/notice/12",
        "https://example.com/notes/introduction",
        "https://medium.com/@writer/a-title-1a2b3c4d5e6f",
        "ftp://social.example/@alice/114103637122945249",
        "not a url",
    ],
)
def test_match_rejects_non_posts(url: str) -> None:
    assert PLATFORM.match(url) is None


# --- saved-HTML embeds -----------------------------------------------------------------


def embedded(name: str) -> list[Post]:
    """Walk a saved article like the document layer: every element, every rule of ours."""
    return embed_posts(PLATFORM, fixture(f"embeds/{name}"), capture("embed-html"))


def test_blockquote_embeds() -> None:
    posts = embedded("blockquote-current.html")
    assert [fields(post) for post in posts] == [
        {
            "key": f"mastodon:social.example/{ALICE}",
            "platform": "mastodon",
            "post_id": f"social.example/{ALICE}",
            "url": f"https://social.example/@alice/{ALICE}",
            "author": {"name": None, "handle": "alice@social.example", "id": None, "url": None},
            "created_at": None, "title": None, "text": "", "lang": None, "media": [],
            "links": [], "hashtags": [], "mentions": [], "in_reply_to": None, "quotes": [],
            "metrics": {},
        },
        {
            "key": "mastodon:127.0.0.1:8123/114108688826372321",
            "platform": "mastodon",
            "post_id": "127.0.0.1:8123/114108688826372321",
            "url": "http://127.0.0.1:8123/@bruno@news.example.net/114108688826372321",
            "author": {"name": None, "handle": "bruno@news.example.net", "id": None, "url": None},
            "created_at": None, "title": None, "text": "", "lang": None, "media": [],
            "links": [], "hashtags": [], "mentions": [], "in_reply_to": None, "quotes": [],
            "metrics": {},
        },
    ]  # fmt: skip
    assert all(post.capture.method == "embed-html" for post in posts)


def test_iframe_embeds_with_and_without_class() -> None:
    posts = embedded("iframe-legacy.html")
    assert [(p.post_id, p.url, p.author.handle) for p in posts] == [
        (f"secure.example/{ALICE}", f"https://secure.example/@dora/{ALICE}", "dora@secure.example"),
        (
            "social.example/114077309681668321",
            "https://social.example/@carla/114077309681668321",
            "carla@social.example",
        ),
    ]


def test_iframe_rule_ignores_other_platform_iframes() -> None:
    soup = BeautifulSoup(
        '<iframe src="https://www.youtube.com/embed/aBcDeFgHiJk"></iframe>'
        '<iframe src="https://www.threads.net/@someone/post/C4aBcDeFgHi/embed"></iframe>',
        "lxml",
    )
    for element in soup.find_all("iframe"):
        for rule in PLATFORM.embed_rules:
            assert not (rule.tag == "iframe" and rule.matches(element)) or (
                rule.parse(element, capture("embed-html")) is None
            )


def test_flattened_text_needs_the_link() -> None:
    text = fixture("embeds/flattened.txt").decode()
    posts = PLATFORM.text_embeds(text, capture("text-embed"))
    assert [(p.key, p.url, p.author.handle, p.text) for p in posts] == [
        (
            "mastodon:social.example/114108688826372321",
            "https://social.example/@bruno@news.example.net/114108688826372321",
            "bruno@news.example.net",
            "",
        ),
        (
            "mastodon:social.example/114077309681668321",
            "https://social.example/@carla/114077309681668321",
            "carla@social.example",
            "",
        ),
    ]
    assert (
        PLATFORM.text_embeds(
            "Post by @alice@social.example View on Mastodon", capture("text-embed")
        )
        == []
    )


# --- REST API ------------------------------------------------------------------------------


def test_first_request_keeps_scheme_and_port() -> None:
    request = PLATFORM.first_request(ref_for(f"{LOCAL}/@alice/{ALICE}"), ENDPOINTS)
    assert request.url == f"{LOCAL}/api/v1/statuses/{ALICE}"
    assert (request.purpose, request.method, request.browser) == ("status", "api", False)
    assert ("Accept", "application/json") in request.headers


def test_first_request_for_misskey_goes_to_activitypub() -> None:
    request = PLATFORM.first_request(ref_for("https://mk.example/notes/a1b2c3d4e5"), ENDPOINTS)
    assert request.url == "https://mk.example/notes/a1b2c3d4e5"
    assert (request.purpose, request.method) == ("activitypub", "activitypub")
    assert request.headers == (("Accept", ACCEPT_AP),)


def rest(url: str, status: int, name: str) -> Outcome:
    ref = ref_for(url)
    return read(ref, PLATFORM.first_request(ref, ENDPOINTS), status, name)


def test_status_with_media_links_tags_mentions_and_reply() -> None:
    outcome = rest(f"https://social.example/@alice/{ALICE}", 200, "responses/status-ok.200.json")
    assert isinstance(outcome, Found)
    assert fields(outcome.post) == {
        "key": f"mastodon:social.example/{ALICE}",
        "platform": "mastodon",
        "post_id": f"social.example/{ALICE}",
        "url": f"https://social.example/@alice/{ALICE}",
        "author": {
            "name": "Alice Marchetti",
            "handle": "alice@social.example",
            "id": "social.example/109302811100001111",
            "url": "https://social.example/@alice",
        },
        "created_at": "2025-03-04T10:15:30.123Z",
        "title": None,
        "text": "Flood barriers at the #Riverside depot failed twice this week. Full inspection "
        "report: https://reports.example.org/2025/depot-inspection-report-final.pdf\n\n"
        "cc @bruno @carla\nPhotos below & more soon. #FloodWatch",
        "lang": "en",
        "media": [
            {
                "kind": "photo",
                "url": "https://files.social.example/media_attachments/files/114/103/636/900/112/233/original/9c1d7e2b.jpg",
                "alt": "Water pooling behind a dented steel flood barrier at a bus depot.",
                "sha256": None,
                "content_type": None,
            },
            {
                "kind": "gif",
                "url": "https://files.social.example/media_attachments/files/114/103/636/912/345/678/original/77ab01ce.mp4",
                "alt": None,
                "sha256": None,
                "content_type": None,
            },
        ],
        "links": ["https://reports.example.org/2025/depot-inspection-report-final.pdf"],
        "hashtags": ["Riverside", "FloodWatch"],
        "mentions": ["bruno@news.example.net", "carla@social.example"],
        "in_reply_to": "https://social.example/@carla/114103348854788321",
        "quotes": [],
        "metrics": {"replies": 4, "reposts": 17, "likes": 52, "quotes": 1},
    }
    assert outcome.post.capture.method == "api"
    assert outcome.post.capture.source == f"https://social.example/api/v1/statuses/{ALICE}"


def test_status_on_a_test_server_keeps_port_in_id_and_url() -> None:
    outcome = rest(f"{LOCAL}/@alice/{ALICE}", 200, "responses/status-ok.200.json")
    assert isinstance(outcome, Found)
    assert outcome.post.key == f"mastodon:127.0.0.1:8123/{ALICE}"
    assert outcome.post.url == f"{LOCAL}/@alice/{ALICE}"
    assert outcome.post.in_reply_to == f"{LOCAL}/@carla/114103348854788321"
    assert outcome.post.author.handle == "alice@127.0.0.1"


def test_remote_status_with_content_warning_and_quote() -> None:
    url = "https://social.example/@bruno@news.example.net/114108688826372321"
    outcome = rest(url, 200, "responses/status-remote-quote.200.json")
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.url == url
    assert post.author.model_dump() == {
        "name": "bruno",
        "handle": "bruno@news.example.net",
        "id": "social.example/109455500022223333",
        "url": "https://news.example.net/@bruno",
    }
    assert post.title == "Wahlergebnisse, Spoiler"
    assert (
        post.text
        == "Die Auszählung im Bezirk Nord ist abgeschlossen.\nMehr dazu in unserem Liveblog."
    )
    assert post.links == ["https://news.example.net/wahl"]
    assert post.quotes == ["https://social.example/@carla/114077309681668321"]
    assert (post.lang, post.created_at) == ("de", "2025-03-05T07:40:13Z")


def test_edited_at_stays_out_of_the_hash() -> None:
    url = "https://social.example/@bruno@news.example.net/114108688826372321"
    body = fixture("responses/status-remote-quote.200.json")
    unedited = body.replace(b'"2025-03-05T08:02:40.511Z"', b"null")
    assert unedited != body
    ref = ref_for(url)
    request = PLATFORM.first_request(ref, ENDPOINTS)
    first = PLATFORM.read_response(ref, answer(request, 200, body), ENDPOINTS)
    second = PLATFORM.read_response(ref, answer(request, 200, unedited), ENDPOINTS)
    assert isinstance(first, Found) and isinstance(second, Found)
    assert first.post.content_hash == second.post.content_hash


def test_reblog_wrapper_yields_the_boosted_status() -> None:
    outcome = rest(
        "https://social.example/@carla/114115372646404321", 200, "responses/status-reblog.200.json"
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.key == "mastodon:social.example/114103348854788321"
    assert post.url == "https://social.example/@alice/114103348854788321"
    assert post.author.name == "Alice Marchetti :verified:"
    assert post.text == "Council meeting recording and my audio notes are up."
    assert [(m.kind, m.url, m.alt) for m in post.media] == [
        (
            "video",
            "https://files.social.example/media_attachments/files/114/103/348/700/011/122/original/c0ffee01.mp4",
            "Recording of the council meeting, 3 March",
        ),
        (
            "audio",
            "https://files.social.example/media_attachments/files/114/103/348/700/011/123/original/beefcafe.mp3",
            None,
        ),
        ("unknown", "https://media.elsewhere.example/files/agenda.bin", "Agenda"),
    ]
    assert post.created_at == "2025-03-04T09:02:11.5Z"


@pytest.mark.parametrize(
    ("name", "status", "reason", "detail_part"),
    [
        ("status-suspended.200.json", 200, Reason.SUSPENDED, "spamfarm"),
        ("not-found.404.json", 404, Reason.NOT_FOUND, "deleted, private or never existed"),
        ("gone.410.json", 410, Reason.DELETED, "Gone"),
    ],
)
def test_rest_unavailable(name: str, status: int, reason: Reason, detail_part: str) -> None:
    outcome = rest(f"https://social.example/@alice/{ALICE}", status, f"responses/{name}")
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, status)
    assert detail_part in outcome.detail


def test_rest_other_statuses() -> None:
    ref = ref_for(f"https://social.example/@alice/{ALICE}")
    request = PLATFORM.first_request(ref, ENDPOINTS)
    forbidden = PLATFORM.read_response(
        ref, answer(request, 403, b'{"error":"Forbidden"}'), ENDPOINTS
    )
    assert forbidden == Gone(Reason.LOGIN_REQUIRED, "Forbidden", 403)
    with pytest.raises(ParseError):
        PLATFORM.read_response(ref, answer(request, 418, b"teapot"), ENDPOINTS)


@pytest.mark.parametrize(
    "body", [b"<html><body>Welcome</body></html>", b"[]", b'{"id": "1"}', b"", b'{"error": "x"}']
)
def test_rest_garbage_raises(body: bytes) -> None:
    ref = ref_for(f"https://social.example/@alice/{ALICE}")
    request = PLATFORM.first_request(ref, ENDPOINTS)
    with pytest.raises(ParseError):
        PLATFORM.read_response(ref, answer(request, 200, body), ENDPOINTS)


# --- 401 -> ActivityPub Note -> actor ----------------------------------------------------

DORA = f"https://secure.example/@dora/{ALICE}"


def activitypub_steps() -> tuple[PostRef, FollowUp, FollowUp]:
    ref = ref_for(DORA)
    first = read(
        ref, PLATFORM.first_request(ref, ENDPOINTS), 401, "responses/auth-required.401.json"
    )
    assert isinstance(first, FollowUp)
    second = read(ref, first.request, 200, "responses/note-ok.200.json")
    assert isinstance(second, FollowUp)
    return ref, first, second


def test_auth_required_follows_up_with_activitypub() -> None:
    _, first, second = activitypub_steps()
    assert first.request.url == DORA
    assert (first.request.purpose, first.request.method) == ("activitypub", "activitypub")
    assert first.request.headers == (("Accept", ACCEPT_AP),)
    assert second.request.url == "https://secure.example/users/dora"
    assert second.request.purpose == "actor"
    assert second.request.carry is not None
    assert second.request.carry.author.handle == "dora@secure.example"


def test_note_and_actor_make_the_record() -> None:
    ref, _, second = activitypub_steps()
    outcome = read(ref, second.request, 200, "responses/actor-ok.200.json")
    assert isinstance(outcome, Found)
    assert fields(outcome.post) == {
        "key": f"mastodon:secure.example/{ALICE}",
        "platform": "mastodon",
        "post_id": f"secure.example/{ALICE}",
        "url": DORA,
        "author": {
            "name": "Dora Lindqvist",
            "handle": "dora@secure.example",
            "id": "https://secure.example/users/dora",
            "url": "https://secure.example/@dora",
        },
        "created_at": "2025-03-04T10:15:30Z",
        "title": None,
        "text": "@bruno The tender documents say otherwise: "
        "https://tenders.example.gov/notice/2025-0147 #procurement",
        "lang": "en",
        "media": [
            {
                "kind": "photo",
                "url": "https://files.secure.example/media_attachments/files/114/103/637/000/111/222/original/5e5e5e5e.png",
                "alt": "Scan of page 4 of the tender, clause 7 highlighted.",
                "sha256": None,
                "content_type": None,
            }
        ],
        "links": ["https://tenders.example.gov/notice/2025-0147"],
        "hashtags": ["procurement"],
        "mentions": ["bruno@news.example.net"],
        "in_reply_to": "https://news.example.net/users/bruno/statuses/114103348800004444",
        "quotes": ["https://social.example/users/carla/statuses/114077309681668321"],
        "metrics": {"likes": 31, "reposts": 8},
    }
    assert outcome.post.capture.method == "activitypub"
    assert outcome.post.capture.source == DORA


def test_actor_suspended() -> None:
    ref, _, second = activitypub_steps()
    outcome = read(ref, second.request, 200, "responses/actor-suspended.200.json")
    assert isinstance(outcome, Gone) and outcome.reason is Reason.SUSPENDED


def test_actor_unreachable_keeps_the_post() -> None:
    ref, _, second = activitypub_steps()
    outcome = PLATFORM.read_response(ref, answer(second.request, 404, b""), ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post == second.request.carry
    gone = PLATFORM.read_response(ref, answer(second.request, 410, b""), ENDPOINTS)
    assert isinstance(gone, Gone) and gone.reason is Reason.SUSPENDED


def test_actor_completes_a_url_without_user() -> None:
    ref = ref_for(f"https://secure.example/web/statuses/{ALICE}")
    first = read(
        ref, PLATFORM.first_request(ref, ENDPOINTS), 401, "responses/auth-required.401.json"
    )
    assert isinstance(first, FollowUp)
    second = read(ref, first.request, 200, "responses/note-ok.200.json")
    assert isinstance(second, FollowUp)
    assert second.request.carry is not None and second.request.carry.author.handle is None
    outcome = read(ref, second.request, 200, "responses/actor-ok.200.json")
    assert isinstance(outcome, Found)
    assert outcome.post.url == DORA
    assert outcome.post.key == f"mastodon:secure.example/{ALICE}"


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("note-tombstone.410.json", 410, Reason.DELETED),
        ("note-signed-fetch.401.json", 401, Reason.LOGIN_REQUIRED),
        ("not-found.404.json", 404, Reason.NOT_FOUND),
    ],
)
def test_activitypub_unavailable(name: str, status: int, reason: Reason) -> None:
    ref, first, _ = activitypub_steps()
    outcome = read(ref, first.request, status, f"responses/{name}")
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, status)


def test_activitypub_tombstone_with_200() -> None:
    ref, first, _ = activitypub_steps()
    outcome = read(ref, first.request, 200, "responses/note-tombstone.410.json")
    assert isinstance(outcome, Gone) and outcome.reason is Reason.DELETED


def test_activitypub_non_post_raises() -> None:
    ref, first, _ = activitypub_steps()
    with pytest.raises(ParseError):
        read(ref, first.request, 200, "responses/actor-ok.200.json")
    with pytest.raises(ParseError):
        PLATFORM.read_response(ref, answer(first.request, 200, b"<html></html>"), ENDPOINTS)


def test_actor_step_without_carry_raises() -> None:
    ref = ref_for(DORA)
    request = Request(
        url="https://secure.example/users/dora", purpose="actor", method="activitypub"
    )
    with pytest.raises(ParseError):
        read(ref, request, 200, "responses/actor-ok.200.json")


def test_misskey_note() -> None:
    ref = ref_for("https://mk.example/notes/a1b2c3d4e5")
    outcome = read(
        ref, PLATFORM.first_request(ref, ENDPOINTS), 200, "responses/misskey-note.200.json"
    )
    assert isinstance(outcome, FollowUp)
    assert outcome.request.url == "https://mk.example/users/9z8y7x6w5v"
    post = outcome.request.carry
    assert post is not None
    assert post.key == "mastodon:mk.example/a1b2c3d4e5"
    assert post.author.handle is None  # /users/<id> on Misskey is not a username
    assert post.text == (
        "Same numbers, different map. Compare with the council's own flood-zone map.\n#FloodWatch"
    )
    assert post.links == ["https://maps.example.org/flood-zones"]
    assert post.quotes == ["https://social.example/users/alice/statuses/114103637122945249"]
    assert post.hashtags == ["floodwatch"]
    assert [(m.kind, m.alt) for m in post.media] == [("photo", None)]
    assert (post.created_at, post.lang) == ("2025-03-05T21:09:44.812Z", None)


# --- content HTML ----------------------------------------------------------------------------


def test_content_parts_named_links_keep_their_words() -> None:
    parts = content_parts(
        '<p>See <a href="https://example.org/a">the report</a> and '
        '<a href="https://example.org/b/very/long"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.org/b/</span><span class="invisible">very/long</span></a>'
        '</p><p class="quote-inline">RE: <a href="https://x.example/@q/1">x.example/@q/1</a></p>'
    )
    assert parts.text == "See the report and https://example.org/b/very/long"
    assert parts.links == ["https://example.org/a", "https://example.org/b/very/long"]
    assert parts.quote_links == ["https://x.example/@q/1"]
