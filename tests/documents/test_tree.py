"""The embed-only tree: which elements bs4 builds for a saved page, and that they are whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Comment, Tag

from archiver.documents import extract_bytes
from archiver.documents.tree import EmbedCandidates, embed_tree, tags_named
from archiver.platforms.registry import REGISTRY
from tests.conftest import FIXTURES

TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Gauge at 3.1 m<br>and rising '
    '<a href="https://t.co/Ab1">pic.twitter.com/Ab1</a></p>&mdash; River Desk '
    '(@riverdesk) <a href="https://twitter.com/riverdesk/status/1876543210987654321">'
    "January 7, 2026</a></blockquote>"
)
YOUTUBE = '<iframe src="https://www.youtube.com/embed/Qx3vT9kLm2A" title="YouTube"></iframe>'


def page(body: str) -> str:
    return (
        "<!doctype html><html><head><title>Flood night</title><meta name='x' content='y'>"
        f"</head><body><article><p>Intro text.</p>{body}<p>Outro.</p></article></body></html>"
    )


def rules() -> dict[str, tuple]:
    return REGISTRY.embed_rules()


def test_only_embed_candidates_are_built_each_with_its_whole_subtree() -> None:
    tweet = TWEET.replace("</p>", "</p><!-- widget -->")
    text = page(tweet + "<blockquote><p>An ordinary quotation.</p></blockquote>" + YOUTUBE)
    tree = embed_tree(text, rules())
    full = BeautifulSoup(text, "lxml")

    assert [child.name for child in tree.contents] == ["blockquote", "iframe"]
    assert str(tree.contents[0]) == str(full.find("blockquote", class_="twitter-tweet"))
    assert str(tree.contents[1]) == str(full.iframe)
    inner = tree.contents[0]
    assert [tag.name for tag in inner.find_all(True)] == ["p", "br", "a", "a"]
    assert any(isinstance(node, Comment) for node in inner.contents)
    assert "Intro text." not in tree.get_text() and "Flood night" not in tree.get_text()


def test_a_candidate_inside_unbuilt_wrappers_is_built_on_its_own() -> None:
    text = page(f"<div class='wrap'><section><p><span>{YOUTUBE}</span></p></section></div>")
    tree = embed_tree(text, rules())

    assert [child.name for child in tree.contents] == ["iframe"]
    assert tree.iframe["src"] == "https://www.youtube.com/embed/Qx3vT9kLm2A"


def test_class_attribute_and_pattern_decide_like_the_rules() -> None:
    text = page(
        '<blockquote class="quote twitter-tweetish"><p>not an embed class</p></blockquote>'
        '<blockquote class="\tlead  twitter-tweet\n"><p>tabs and newlines</p></blockquote>'
        '<iframe src="https://example.org/player"></iframe>'
        '<script src="/app.js"></script>'
        '<script async data-telegram-post="harbournews/4"></script>'
    )
    tree = embed_tree(text, rules())
    walked = list(tags_named(tree, frozenset(rules())))
    matched = [
        element
        for element in walked
        if any(rule.matches(element) for rule in rules().get(element.name, ()))
    ]

    # The filter may build a little more than the rules match, never less.
    assert [element.get_text() for element in matched if element.name == "blockquote"] == [
        "tabs and newlines"
    ]
    assert [element.get("data-telegram-post") for element in matched] == [
        None,
        "harbournews/4",
    ]
    assert tree.find("script", src="/app.js") is None


def test_strings_inside_template_or_pre_keep_the_types_of_a_full_parse() -> None:
    text = page(f"<template>{TWEET}</template><pre>{TWEET}</pre>")
    tree = embed_tree(text, rules())
    full = BeautifulSoup(text, "lxml")

    def string_types(soup: BeautifulSoup) -> list[str]:
        quotes = soup.find_all("blockquote")
        return [type(node).__name__ for quote in quotes for node in quote.descendants]

    assert [child.name for child in tree.contents] == ["template", "pre"]
    assert string_types(tree) == string_types(full)


def test_walk_yields_nested_candidates_in_document_order() -> None:
    text = page(f"<figure class='wp-block-embed'>{TWEET}</figure>{YOUTUBE}")
    tree = embed_tree(text, rules())

    names = [
        element.name for element in tags_named(tree, frozenset({"figure", "blockquote", "iframe"}))
    ]
    assert names == ["figure", "blockquote", "iframe"]
    assert all(isinstance(element, Tag) for element in tags_named(tree, frozenset({"a"})))


def test_an_embed_wrapped_in_a_paragraph_keeps_its_identity() -> None:
    """A CMS that leaves the embed inside ``<p><span>``: the links outside the embed's own
    ``<p>`` are read within the embed, so the date link still names the post."""
    raw = page(f"<p><span>{TWEET}</span></p>").encode()
    result = extract_bytes(raw, "wrapped.html", captured_at="2026-01-11T08:00:00Z")

    assert [post.key for post in result.posts] == ["twitter:1876543210987654321"]
    post = result.posts[0]
    assert post.author.handle == "riverdesk"
    assert post.author.name == "River Desk"
    assert post.text == "Gauge at 3.1 m\nand rising"
    assert [item.url for item in post.media] == ["https://pic.twitter.com/Ab1"]


@pytest.mark.parametrize(
    "path", sorted(FIXTURES.rglob("*.html")), ids=lambda path: str(path.relative_to(FIXTURES))
)
def test_every_built_element_is_as_a_full_parse_builds_it(path: Path) -> None:
    """The embed tree is built with bs4's plain attribute dictionary, for speed: each
    element it keeps must still serialise, and carry attributes, exactly as in a default
    parse of the same page, on every fixture."""
    text = path.read_text(encoding="utf-8", errors="replace")
    tree = embed_tree(text, rules())
    full = BeautifulSoup(text, "lxml")

    whole = str(full)
    for element in tree.contents:
        assert str(element) in whole
    full_tags = iter((tag.name, tag.attrs) for tag in full.find_all(True))
    for tag in tree.find_all(True):  # in order, each found later in the full parse
        assert any(seen == (tag.name, tag.attrs) for seen in full_tags), tag.name


def test_the_filter_builds_no_string_outside_a_candidate_and_tests_tags_by_rule() -> None:
    candidates = EmbedCandidates(rules())

    assert not candidates.excludes_everything
    assert not candidates.allow_string_creation("Intro text.")
    assert candidates.allow_tag_creation(None, "blockquote", {"class": "twitter-tweet"})
    assert not candidates.allow_tag_creation(None, "blockquote", {"class": "pull-quote"})
    assert not candidates.allow_tag_creation(None, "p", {})
    assert candidates.allow_tag_creation(None, "template", {})
