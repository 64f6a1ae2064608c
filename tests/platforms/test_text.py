from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from archiver.platforms.text import (
    MAX_TAGS,
    clean_text,
    element_text,
    find_hashtags,
    find_mentions,
    first_tags,
    html_fragment_text,
    parse_display_date,
)


def test_element_text_breaks_paragraphs_and_entities() -> None:
    soup = BeautifulSoup(
        "<blockquote><p>Line one<br>Line&nbsp;two &amp; more</p><p>Second</p>"
        "<script>var x = 1;</script></blockquote>",
        "lxml",
    )
    assert element_text(soup.blockquote) == "Line one\nLine two & more\n\nSecond"


def test_clean_text_is_nfc_and_folds_spaces() -> None:
    decomposed = "Cafe\u0301   au   lait"
    assert clean_text(decomposed) == "Café au lait"
    assert clean_text("a\n\n\n\nb") == "a\n\nb"


def test_fragment_text() -> None:
    assert (
        html_fragment_text("<p>Hello <a href='x'>world</a></p><p>Bye</p>") == "Hello world\n\nBye"
    )
    assert html_fragment_text("plain &amp; simple") == "plain & simple"


def test_markup_nested_thousands_deep_renders() -> None:
    deep = "<p>" + "<span>" * 5000 + "deep text" + "</span>" * 5000 + "</p><p>next</p>"
    assert html_fragment_text(deep) == "deep text\n\nnext"


def test_first_tags_cuts_before_the_limit_and_leaves_the_rest_alone() -> None:
    assert first_tags("<p>a</p><p>b</p>", limit=4) == "<p>a</p><p>b</p>"
    assert first_tags("<p>a</p><p>b</p>", limit=3) == "<p>a</p><p>b"
    assert first_tags("<b>" * 10, limit=2) == "<b><b>"
    assert html_fragment_text("<p>kept</p>" + "<b>" * (MAX_TAGS + 10) + "dropped") == "kept"


def test_hashtags_and_mentions() -> None:
    text = "Water at #Esk rising, says @river_watch and @ana@social.example #Esk #flood2026 a#b"
    assert find_hashtags(text) == ["Esk", "flood2026"]
    assert find_mentions(text) == ["river_watch", "ana@social.example"]


@pytest.mark.parametrize(
    ("shown", "date"),
    [
        ("March 4, 2026", "2026-03-04"),
        ("Jan 7, 2026", "2026-01-07"),
        ("May 13, 2025 at 11:37 PM", "2025-05-13"),
        ("Aug 19, 2024 at 22:23", "2024-08-19"),
        ("Thursday, September 7, 2023", "2023-09-07"),
        ("2024-05-01T10:00:00.000Z", "2024-05-01"),
        ("Sept 3, 2025", "2025-09-03"),
        ("yesterday", None),
    ],
)
def test_display_dates(shown: str, date: str | None) -> None:
    assert parse_display_date(shown) == date
