from __future__ import annotations

import json
import re

import pytest

from archiver.export.cite import (
    STYLES,
    ArchivedCopy,
    CitationError,
    apa,
    bibtex,
    chicago,
    chicago_note,
    citation_key,
    cite,
    csl_item,
    first_words,
    mla,
    ris,
    wikipedia,
)
from archiver.record import Author, Media
from tests.conftest import make_post

COPY = ArchivedCopy(
    captured_at="2026-01-09T12:00:00Z",
    url="https://archive.example.org/bundle/index.html#post-1",
    content_hash="sha256:" + "ab" * 32,
)
LOCAL_COPY = ArchivedCopy(captured_at="2026-01-09T12:00:00Z", content_hash="sha256:" + "cd" * 32)

TIMED = make_post(
    text="Flood barrier holds on the river Esk #floods",
    created_at="2026-01-07T14:05:00Z",
)
DATE_ONLY = make_post(created_at="2026-01-07", media=[])
NO_HANDLE = make_post(author=Author(name="River Watch Desk"), media=[])
HANDLE_ONLY = make_post(author=Author(handle="riverwatch"), media=[])
NO_AUTHOR = make_post(author=Author(), media=[], created_at=None)
LONG_WORDS = " ".join(f"w{n}" for n in range(1, 31))
LONG = make_post(text=LONG_WORDS, media=[])
CYRILLIC = make_post(
    "did:plc:abc123/3kabc",
    platform="bluesky",
    url="https://bsky.app/profile/did:plc:abc123/post/3kabc",
    author=Author(name="Ана Сергеевна", handle="ana.bsky.social"),
    text="Привет, река 🌊 мост закрыт",
    lang="ru",
    media=[],
    created_at="2025-12-01",
)
MONTH_RE = "(January|February|March|April|May|June|July|August|September|October|November|December)"


def test_apa_matches_the_apa7_social_media_pattern() -> None:
    text = apa(TIMED)
    assert text == (
        "River Watch [@riverwatch]. (2026, January 7). Flood barrier holds on the river Esk "
        "#floods [Image attached] [Post]. X. https://x.com/riverwatch/status/1000000000000000001"
    )
    pattern = rf"^.+ \[@\w+\]\. \(\d{{4}}, {MONTH_RE} \d{{1,2}}\)\. .+ \[Post\]\. X\. https://\S+$"
    assert re.match(pattern, text)


def test_apa_keeps_only_the_first_20_words() -> None:
    text = apa(LONG)
    title = text.split("). ", 1)[1].split(" [Post]")[0]
    assert title == " ".join(f"w{n}" for n in range(1, 21))
    assert "w21" not in text


def test_first_words_counts_urls_hashtags_and_emoji_as_words() -> None:
    text = "a https://example.org/x #tag 🌊 b\nc"
    assert first_words(text, 4) == "a https://example.org/x #tag 🌊"
    assert first_words(text) == "a https://example.org/x #tag 🌊 b c"


def test_apa_without_date_handle_or_author() -> None:
    assert apa(DATE_ONLY).startswith("River Watch [@riverwatch]. (2026, January 7). ")
    assert apa(NO_HANDLE).startswith("River Watch Desk. (2026, January 7). ")
    assert apa(HANDLE_ONLY).startswith("@riverwatch. (2026, January 7). ")
    # no author: the title moves to the author position, and no date gives (n.d.)
    assert apa(NO_AUTHOR).startswith(
        "Flood barrier holds on the river Esk #floods [Post]. (n.d.). X."
    )


def test_apa_descriptors_and_titles_by_platform() -> None:
    video = make_post(
        "dQw4w9WgXcQ",
        platform="youtube",
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        title="River Esk flood, live",
        text="Long description",
        author=Author(name="Esk Council", handle="EskCouncil"),
        media=[],
    )
    assert "). River Esk flood, live [Video]. YouTube. https://www.youtube.com/watch" in apa(video)
    thread = make_post(
        "1abcde",
        platform="reddit",
        url="https://www.reddit.com/r/esk/comments/1abcde/",
        title="Is the bridge open?",
        author=Author(handle="boatperson"),
        media=[],
    )
    assert apa(thread).startswith(
        "u/boatperson. (2026, January 7). Is the bridge open? [Online forum post]. Reddit."
    )


def test_apa_archived_copy_and_non_ascii() -> None:
    assert apa(TIMED, COPY).endswith(
        " Archived January 9, 2026, at https://archive.example.org/bundle/index.html#post-1."
    )
    text = apa(CYRILLIC, LOCAL_COPY)
    assert text.startswith(
        "Ана Сергеевна [@ana.bsky.social]. (2025, December 1). "
        "Привет, река 🌊 мост закрыт [Post]. Bluesky."
    )
    assert f"in archiver (content hash {LOCAL_COPY.content_hash})" in text


def test_mla9_handle_first_full_text_day_month_year_time_and_url_without_scheme() -> None:
    assert mla(TIMED) == (
        '@riverwatch (River Watch). "Flood barrier holds on the river Esk #floods." X, '
        "7 Jan. 2026, 2:05 p.m. UTC, x.com/riverwatch/status/1000000000000000001."
    )
    long_text = mla(LONG)
    assert '"' + LONG_WORDS + '."' in long_text  # MLA quotes the whole post
    assert mla(DATE_ONLY).count("UTC") == 0


def test_mla_quotes_inside_quotes_and_archive_container() -> None:
    post = make_post(text='He said "closed" today?', media=[])
    assert "\"He said 'closed' today?\" X, 7 Jan. 2026" in mla(post)
    assert mla(TIMED, COPY).endswith(
        " archiver, 9 Jan. 2026, archive.example.org/bundle/index.html#post-1."
    )
    assert mla(TIMED, LOCAL_COPY).endswith(" Accessed 9 Jan. 2026.")
    assert mla(NO_HANDLE).startswith('River Watch Desk. "')
    assert mla(CYRILLIC).startswith(
        '@ana.bsky.social (Ана Сергеевна). "Привет, река 🌊 мост закрыт." Bluesky, 1 Dec. 2025,'
    )


def test_chicago_bibliography_and_note() -> None:
    assert chicago(TIMED) == (
        'River Watch (@riverwatch). "Flood barrier holds on the river Esk #floods." X, '
        "January 7, 2026. https://x.com/riverwatch/status/1000000000000000001."
    )
    assert chicago_note(TIMED) == (
        'River Watch (@riverwatch), "Flood barrier holds on the river Esk #floods," X, '
        "January 7, 2026, 2:05 p.m. UTC, https://x.com/riverwatch/status/1000000000000000001."
    )
    assert chicago(TIMED, COPY).endswith(
        "Archived January 9, 2026, at https://archive.example.org/bundle/index.html#post-1."
    )


def test_chicago_clips_long_text_to_160_characters() -> None:
    post = make_post(text="word " * 60, media=[])
    quoted = re.search(r'"(.*?)"', chicago(post))
    assert quoted is not None
    assert quoted.group(1).endswith("…") and len(quoted.group(1)) <= 161


def test_wikipedia_cite_tweet_for_x_posts() -> None:
    assert wikipedia(TIMED, COPY) == (
        "{{cite tweet |number=1000000000000000001 |user=riverwatch "
        "|title=Flood barrier holds on the river Esk #floods |author=River Watch "
        "|date=2026-01-07 |access-date=2026-01-09 "
        "|archive-url=https://archive.example.org/bundle/index.html#post-1 "
        "|archive-date=2026-01-09 |url-status=live}}"
    )


def test_wikipedia_cite_web_escapes_template_syntax_and_marks_dead_links() -> None:
    post = CYRILLIC.with_changes(text="a | b {{c}} [d] <ref>")
    dead = ArchivedCopy(captured_at="2026-01-09T12:00:00Z", url="https://a.example/x", live=False)
    text = wikipedia(post, dead)
    assert text.startswith("{{cite web |url=https://bsky.app/profile/did:plc:abc123/post/3kabc ")
    assert "|title=a {{!}} b &#123;&#123;c&#125;&#125; &#91;d&#93; &lt;ref>" in text
    assert "|website=Bluesky" in text and "|language=ru" in text
    assert "|url-status=dead" in text
    assert text.count("{{") - text.count("{{!}}") == 1 and text.endswith("}}")
    # without a copy URL there is nowhere to point archive-url at
    assert "archive-url" not in wikipedia(post, LOCAL_COPY)
    assert "|access-date=2026-01-09" in wikipedia(post, LOCAL_COPY)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text.replace("\\{", "").replace("\\}", ""):
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def test_bibtex_online_entry_escapes_tex_specials() -> None:
    post = make_post(text="50% of #floods_2026 cost $3 & {more}", media=[])
    entry = bibtex(post, COPY)
    assert entry.startswith("@online{twitter:1000000000000000001,\n")
    assert "  author = {{River Watch [@riverwatch]}},\n" in entry
    assert r"  title = {50\% of \#floods\_2026 cost \$3 \& \{more\}}," in entry
    assert "  date = {2026-01-07},\n" in entry
    assert "  url = {https://x.com/riverwatch/status/1000000000000000001},\n" in entry
    assert "  urldate = {2026-01-09},\n" in entry
    assert "  organization = {X},\n" in entry
    assert _balanced(entry)
    assert entry.endswith("\n}")


def test_bibtex_keeps_non_ascii_and_makes_safe_keys() -> None:
    entry = bibtex(CYRILLIC)
    assert "title = {Привет, река 🌊 мост закрыт}" in entry
    key = citation_key(CYRILLIC)
    assert re.fullmatch(r"[A-Za-z0-9_.:-]+", key) and key.startswith("bluesky:")
    web = make_post("https://news.example/a?b=c", platform="web", url="https://news.example/a?b=c")
    assert re.fullmatch(r"web:[A-Za-z0-9_.:-]+", citation_key(web))
    assert citation_key(web) != citation_key(web.with_changes(post_id="https://news.example/a?b=d"))


def test_csl_json_post_item() -> None:
    item = json.loads(cite(TIMED, "csl-json", COPY))[0]
    assert item["type"] == "post"
    assert item["id"] == "twitter:1000000000000000001"
    assert item["author"] == [{"literal": "River Watch [@riverwatch]"}]
    assert item["title"] == "Flood barrier holds on the river Esk #floods"
    assert item["container-title"] == "X" and item["genre"] == "Post"
    assert item["issued"] == {"date-parts": [[2026, 1, 7]]}
    assert item["accessed"] == {"date-parts": [[2026, 1, 9]]}
    assert item["URL"] == TIMED.url
    assert item["archive_location"] == COPY.url
    assert item["note"] == f"Content hash: {COPY.content_hash}"
    long_item = csl_item(LONG)
    assert long_item["title"] == LONG_WORDS and long_item["title-short"].split()[-1] == "w20"
    assert "issued" not in csl_item(NO_AUTHOR) and "author" not in csl_item(NO_AUTHOR)


def test_ris_record() -> None:
    text = ris(CYRILLIC, LOCAL_COPY)
    lines = text.split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2] == "ER  - " and lines[-1] == ""
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines[:-1])
    assert "AU  - Ана Сергеевна [@ana.bsky.social]" in lines
    assert "TI  - Привет, река 🌊 мост закрыт" in lines
    assert "DA  - 2025/12/01/" in lines and "PY  - 2025" in lines
    assert "Y2  - 2026/01/09/" in lines and "LA  - ru" in lines
    assert "UR  - https://bsky.app/profile/did:plc:abc123/post/3kabc" in lines
    multi = ris(make_post(text="line one\nline two", media=[]))
    assert "TI  - line one line two\r\n" in multi


def test_every_style_renders_every_kind_of_post() -> None:
    for post in (TIMED, DATE_ONLY, NO_HANDLE, HANDLE_ONLY, NO_AUTHOR, LONG, CYRILLIC):
        for style in STYLES:
            text = cite(post, style, COPY)
            assert text.strip(), (style, post.key)
            assert "None" not in text, (style, post.key)


def test_unknown_style_is_refused() -> None:
    with pytest.raises(CitationError, match="unknown citation style 'harvard'"):
        cite(TIMED, "harvard")


def test_attachments_follow_media_kinds() -> None:
    video = make_post(media=[Media(kind="video", url="https://v.example/1.mp4")])
    assert "[Video attached] [Post]" in apa(video)
    assert "attached" not in apa(DATE_ONLY)


HOSTILE = make_post(
    text="Line one\r\nTY  - ELEC\n\nFake Author. (2020). Forged. [/b] \x1b[2J\x07 <script>",
    author=Author(name="Evil\nER  - \r\nTY  - ELEC\x1b]0;pwned\x07", handle="h\n@x [bold]"),
    title=None,
    url="https://x.com/riverwatch/status/1000000000000000001\n\x1b[31m",
    lang="en\nN1  - injected",
    hashtags=["floods\r\nKW  - forged"],
)


@pytest.mark.parametrize("style", STYLES)
def test_names_text_and_urls_are_data_in_every_style(style: str) -> None:
    text = cite(HOSTILE, style, COPY)
    if style == "csl-json":
        item = json.loads(text)[0]  # JSON escapes everything: the data stays exact
        assert item["author"][0]["literal"] == f"{HOSTILE.author.name} [@h\n@x [bold]]"
        return
    lines = text.rstrip("\r\n").replace("\r\n", "\n").split("\n")
    if style == "ris":
        assert [line[:6] for line in lines].count("TY  - ") == 1
        assert [line[:6] for line in lines].count("ER  - ") == 1
        assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines), lines
    elif style == "bibtex":
        assert len(lines) == len(re.findall(r"^\s+\w+ = \{", text, re.M)) + 2
    else:
        assert len(lines) == 1, lines
    assert "[/b]" in text or style in ("wikipedia",)  # Rich markup stays plain text
    assert "\x1b" in text  # kept as data: the CLI shows it as an escape


# -- a post without a status id --------------------------------------------------------------

FROM_TEXT = make_post(
    "text-be681f3ac9a6516d",
    url="https://x.com/riverwatch",
    method="text-embed",
    source="harbour-ledger-flood.txt",
    media=[],
)


@pytest.mark.parametrize("style", STYLES)
def test_a_post_without_a_status_id_is_never_cited_at_its_authors_profile(style: str) -> None:
    """The profile is where the author is, not the post: the citation says the post's URL
    is unknown and names the article it was found in, in every style, with a copy or not."""
    for copy in (None, COPY, LOCAL_COPY):
        text = cite(FROM_TEXT, style, copy)
        assert "x.com/riverwatch" not in text, (style, text)
        assert "URL unknown; found in harbour-ledger-flood.txt" in text, (style, text)
    assert "URL unknown" not in cite(make_post(), style)


def test_the_unknown_url_sits_where_each_format_keeps_notes() -> None:
    assert "|at=post URL unknown; found in harbour-ledger-flood.txt" in wikipedia(FROM_TEXT)
    assert "  note = {Post URL unknown; found in harbour-ledger-flood.txt}" in bibtex(FROM_TEXT)
    assert "\r\nN1  - Post URL unknown; found in harbour-ledger-flood.txt\r\n" in ris(FROM_TEXT)
    item = csl_item(FROM_TEXT, COPY)
    assert "URL" not in item
    assert item["note"] == (
        f"Post URL unknown; found in harbour-ledger-flood.txt; Content hash: {COPY.content_hash}"
    )
    assert apa(FROM_TEXT).endswith(" X. Post URL unknown; found in harbour-ledger-flood.txt")
