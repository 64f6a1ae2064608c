"""Cards read back from a page the viewer wrote (``export/cards.py``): what ``verify`` holds
against the records, read in a stream."""

from __future__ import annotations

import io

from archiver.export.cards import Card, as_shown, read_cards
from archiver.export.selection import Item, anchor_of
from archiver.export.viewer import PageInfo, Summary, page_end, page_start, render_item
from archiver.record import Author
from tests.conftest import make_post
from tests.export.conftest import summary_of

INFO = PageInfo("Posts", "", "", "2026-02-01", "archiver")


def page(*items: Item) -> bytes:
    cards = "".join(render_item(item, None, [], []) for item in items)
    return (page_start(INFO) + cards + page_end(Summary(len(items), 0, 0, 0))).encode()


def item(post_id: str, **fields: object) -> Item:
    post = make_post(post_id, **fields)
    return Item(summary_of(post), post.to_json())


def test_each_card_gives_back_what_the_page_shows_of_its_post() -> None:
    first = item("1", text='Line one\r\nline <two> & "three"', author=Author(name="Ana <A>"))
    second = item("2", text="", title="A video title")
    cards = list(read_cards(io.BytesIO(page(first, second))))
    assert [card.anchor for card in cards] == [anchor_of(first.key), anchor_of(second.key)]
    assert cards[0] == Card(
        anchor=anchor_of(first.key),
        author="Ana <A>",
        title=None,
        text=as_shown('Line one\r\nline <two> & "three"'),
        content_hash=first.row.content_hash,
    )
    assert (cards[1].text, cards[1].title) == (None, "A video title")
    assert cards[1].content_hash == second.row.content_hash


def test_a_page_of_many_cards_is_read_in_small_chunks() -> None:
    items = [item(str(number), text=f"Post number {number}") for number in range(1, 301)]
    cards = read_cards(io.BufferedReader(io.BytesIO(page(*items)), buffer_size=512))
    assert [card.text for card in cards] == [f"Post number {n}" for n in range(1, 301)]


def test_a_page_archiver_did_not_write_gives_no_cards() -> None:
    html = b"<html><body><article id='x'><div class='text'>hi</div></article></body></html>"
    assert list(read_cards(io.BytesIO(html))) == []
    assert list(read_cards(io.BytesIO(b""))) == []


def test_as_shown_is_what_an_html_parser_gives_back() -> None:
    assert as_shown("a\r\nb\rc\x00d") == "a\nb\nc\ufffdd"
