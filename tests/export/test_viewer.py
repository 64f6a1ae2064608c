from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from archiver.export.bundle import export_bundle
from archiver.export.selection import Item, Selection, anchor_of
from archiver.export.viewer import (
    PageInfo,
    Summary,
    page_end,
    page_start,
    render_item,
    safe_href,
    shown_time,
)
from archiver.record import Author
from archiver.store import Archive
from tests.conftest import make_post
from tests.export.conftest import SCRIPT_TEXT, Built, summary_of

INFO = PageInfo(
    title="Archived <posts>",
    description="Desk & co",
    organization="Esk <Gazette>",
    generated_at="2026-02-01",
    software="archiver 0.1.0",
)


def page_of(built: Built, tmp_path: Path) -> BeautifulSoup:
    out = tmp_path / "bundle"
    with Archive(built.home) as archive:
        export_bundle(archive, Selection(everything=True), out)
    return BeautifulSoup((out / "data/index.html").read_text("utf-8"), "lxml")


def test_every_post_is_shown_with_author_date_text_link_and_hashes(
    built: Built, tmp_path: Path
) -> None:
    soup = page_of(built, tmp_path)
    articles = soup.select("article.post")
    assert [a["id"] for a in articles] == [  # undated first, then oldest first
        anchor_of(built.deleted_key),
        anchor_of(built.keys[1]),
        anchor_of(built.keys[0]),
        anchor_of(built.keys[2]),
    ]
    embed = soup.find(id=anchor_of(built.keys[0]))
    assert embed is not None
    assert embed.select_one(".author").get_text() == "River Watch"
    assert embed.select_one(".handle").get_text() == "@riverwatch"
    assert embed.select_one("time")["datetime"] == "2026-01-07"
    assert embed.select_one(".text").get_text() == SCRIPT_TEXT
    link = embed.find("a", string="https://x.com/riverwatch/status/1000000000000000001")
    assert link is not None and link["rel"] == ["noopener", "noreferrer", "nofollow"]
    img = embed.select_one("figure img")
    assert img["src"] == f"media/{built.png_sha256}.png"
    text = embed.get_text(" ")
    assert built.png_sha256 in text and "sha256:" in text and "archived" in text
    assert "River Watch [@riverwatch]. (2026, January 7)." in text  # APA citation
    api = soup.find(id=anchor_of(built.keys[2]))
    assert api is not None and "video (not downloaded)" in api.get_text()
    assert "8 January 2026, 09:15 UTC" in api.get_text()
    gone = soup.find(id=anchor_of(built.deleted_key))
    assert gone is not None
    assert "deleted (404 from the syndication endpoint)" in gone.select_one(".status").get_text()
    assert "No copy of this post was ever captured." in gone.get_text()
    assert "Ана Сергеевна" in soup.get_text()


def test_page_is_self_contained(built: Built, tmp_path: Path) -> None:
    soup = page_of(built, tmp_path)
    assert soup.find("script") is None
    assert soup.find("link") is None
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert csp is not None and "default-src 'none'" in csp["content"]
    for tag in soup.find_all(src=True):
        assert not re.match(r"^[a-z]+:|^//", tag["src"]), tag
    assert "@import" not in soup.style.get_text() and "url(" not in soup.style.get_text()


def test_post_text_and_metadata_are_escaped() -> None:
    post = make_post(
        text="<script>alert(1)</script><img src=x onerror=alert(2)>",
        author=Author(name="<b>Bold</b>", handle='h"><i>', url="javascript:alert(3)"),
        title="<h1>title</h1>",
        links=["javascript:alert(4)", "https://ok.example/a?b=1&c=2"],
        url="https://x.com/riverwatch/status/1000000000000000001",
    )
    row = summary_of(post)
    html = (
        page_start(INFO)
        + render_item(Item(row, post.to_json()), None, [], [])
        + page_end(Summary(1, 0, 0, 0))
    )
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("script") is None and soup.find("b") is None and soup.find("i") is None
    assert (
        soup.select_one(".text").get_text()
        == "<script>alert(1)</script><img src=x onerror=alert(2)>"
    )
    assert soup.find("img") is None
    assert soup.select_one("h2.title").get_text() == "<h1>title</h1>"
    assert soup.title.get_text() == "Archived <posts>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert all(h.startswith(("https://", "http://")) for h in hrefs), hrefs
    assert "https://ok.example/a?b=1&c=2" in hrefs
    assert "javascript:alert(4)" in soup.get_text()  # shown, not linked


def test_safe_href_and_shown_time() -> None:
    assert safe_href('https://a.example/?q="x"') == "https://a.example/?q=&quot;x&quot;"
    assert safe_href("JavaScript:alert(1)") is None
    assert safe_href("data:text/html,hi") is None
    assert safe_href(None) is None
    assert shown_time("2026-03-04") == "4 March 2026"
    assert shown_time("2026-03-04T05:06:07Z") == "4 March 2026, 05:06 UTC"
    assert shown_time(None) == ""


def test_odd_names_and_text_are_shown_as_data_and_the_bundle_verifies(
    built: Built, tmp_path: Path
) -> None:
    from archiver.export.verify import verify_bundle
    from archiver.store import Evidence, Observation

    text = "Line one\r\nline two\x00 [/b] \x1b[2J <script>alert(1)</script> &amp;"
    source = "saved\n</a><script>alert(2)</script>\x1b[31m.html"
    post = make_post(
        "1000000000000000042",
        text=text,
        title="[bold]<b>title</b>\r",
        author=Author(name="Name\n<i>[/i]\x07", handle="odd"),
        source=source,
    )
    with Archive(built.home) as archive:
        archive.add([Observation.of_post(post, [Evidence(url=source, body=b"<html>x</html>")])])
        export_bundle(archive, Selection(refs=(post.key,)), tmp_path / "odd")
    html = (tmp_path / "odd/data/index.html").read_text("utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("script") is None and soup.find("i") is None and soup.find("b") is None
    card = soup.find(id=anchor_of(post.key))
    assert card is not None
    shown = text.replace("\r\n", "\n").replace("\x00", "\ufffd")  # as HTML parsers read it
    assert card.select_one(".text").get_text() == shown
    assert card.select_one(".author").get_text() == "Name\n<i>[/i]\x07"
    assert source.replace("\n", "") in card.select_one("ul.captures").get_text().replace("\n", "")
    assert verify_bundle(tmp_path / "odd").ok
