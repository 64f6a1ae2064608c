from __future__ import annotations

from pathlib import Path

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
    tag_text,
)
from tests.conftest import FIXTURES

#: Markup whose strings bs4 types specially: scripts, styles, templates, ruby text,
#: CDATA, comments, nested inline tags; read by each parser bs4 ships or archiver uses.
_STRING_KINDS = (
    "<div id='d'>Lead <b>bold <i>deep</i></b> tail<!-- note --><br>"
    "<script>var a = '<p>x</p>';</script><style>p { color: red }</style>"
    "<template><p>later</p></template><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>"
    "<![CDATA[raw <text>]]><a href='/x'>link</a><svg><title>icon</title></svg></div>"
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


@pytest.mark.parametrize("parser", ["lxml", "html.parser"])
def test_tag_text_reads_what_get_text_reads_for_every_kind_of_string(parser: str) -> None:
    soup = BeautifulSoup(_STRING_KINDS, parser)
    for tag in [soup, *soup.find_all(True)]:
        for separator in ("", " | "):
            assert tag_text(tag, separator) == tag.get_text(separator), (tag.name, separator)


def _fixture_pages() -> list[Path]:
    """The embed, page and API fixtures: the markup embed parsers read. (The corpus of
    whole newsroom pages would make this check, quadratic in a page's depth, cost
    seconds; the tree test reads it.)"""
    return sorted(path for path in FIXTURES.rglob("*.html") if "real-pages" not in path.parts)


@pytest.mark.parametrize("path", _fixture_pages(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_tag_text_is_get_text_on_every_element_of_every_fixture(path: Path) -> None:
    """``tag_text`` is a faster ``get_text``: should bs4 change which strings that reads,
    this fails on real embed markup rather than an extraction drifting unnoticed."""
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    for tag in soup.find_all(True):
        # A separator no page holds: equal results mean the same strings, one by one.
        assert tag_text(tag, "\x1f") == tag.get_text("\x1f"), tag.name


def test_block_elements_never_run_together_and_cells_sit_side_by_side() -> None:
    """A browser lays these out as blocks; gluing them made "uprising.#IranProtests"."""
    markup = (
        "<body><h5>Stop the crackdown on the uprising.</h5><h6>#IranProtests</h6>"
        "<figure><figcaption>Photo: Ann</figcaption></figure><article><header>Live</header>"
        "<footer>Ends.</footer></article><table><tr><td>a</td><td>b</td></tr></table></body>"
    )
    body = BeautifulSoup(markup, "lxml").body
    assert body is not None
    assert element_text(body) == (
        "Stop the crackdown on the uprising.\n\n#IranProtests\n\nPhoto: Ann\n\nLive\n\nEnds.\n\na b"
    )
