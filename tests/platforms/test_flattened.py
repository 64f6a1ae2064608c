"""The flattened-text rule: signatures, where a post's text begins, ids and URLs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from archiver.platforms.flattened import (
    POST_LIMIT,
    find_signatures,
    find_urls,
    post_text_before,
    signed_posts,
    text_post_id,
    url_from_label,
    visible_length,
    visibly_cut,
)

ARTICLE = Path(__file__).resolve().parents[2] / "fixtures" / "flattened" / "article-mixed.txt"


def only_post(text: str, limit: int = POST_LIMIT) -> tuple[str, bool]:
    ((_, excerpt),) = signed_posts(text, limit)
    return excerpt.text, excerpt.cut


# ---- signatures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi pic.twitter.com/AbC1— Jo Doe (@jo_d) March 4, 2026", "Jo Doe|jo_d|March 4, 2026"),
        ("Hi\n— Jo Doe (@jo_d) Mar 4, 2026", "Jo Doe|jo_d|Mar 4, 2026"),
        ("Hi — Jo (she/her) (@jo_d) Sept 14, 2025Next", "Jo (she/her)|jo_d|Sept 14, 2025"),
        ("Hi —Jo (@jo_d) 4 March 2026", "Jo|jo_d|4 March 2026"),
        ("Hi — Jo (@jo_d)\nMarch 4, 2026", "Jo|jo_d|March 4, 2026"),
        ("P — (@jo_d) March 4, 2026", "|jo_d|March 4, 2026"),
        (
            "P\n\n[image or embed]\n— Ilse (@ilse.bsky.social) May 13, 2025 at 11:37 PM",
            "Ilse|ilse.bsky.social|May 13, 2025 at 11:37 PM",
        ),
        (
            "P — Ilse (@ilse.bsky.social) Aug 19, 2024 at 22:23",
            "Ilse|ilse.bsky.social|Aug 19, 2024 at 22:23",
        ),
        (
            "P — T (@tomas.ferreira.pt) 2025-05-14T06:02:11.000Z",
            "T|tomas.ferreira.pt|2025-05-14T06:02:11.000Z",
        ),
        # Dates in the page's language (platforms/locales.py).
        ("Hi — Peter (@diktator) 25. September 2018", "Peter|diktator|25. September 2018"),
        ("Salut — Jo (@jo_d) 7 janvier 2026", "Jo|jo_d|7 janvier 2026"),
        ("Hola — Jo (@jo_d) 7 de enero de 2026", "Jo|jo_d|7 de enero de 2026"),
        ("Привет — Олег (@oleg_v) 7 января 2026 г.", "Олег|oleg_v|7 января 2026"),
        ("Merhaba — Ece (@ece_k) 7 Ocak 2026", "Ece|ece_k|7 Ocak 2026"),
        ("مرحبا — ليلى (@layla_n) ٧ يناير ٢٠٢٦", "ليلى|layla_n|٧ يناير ٢٠٢٦"),
        ("Hallo — Jo (@jo_d) 7 januari 2026 om 14:05", "Jo|jo_d|7 januari 2026 om 14:05"),
    ],
)
def test_signature_forms(text: str, expected: str) -> None:
    name, handle, date = expected.split("|")
    (signature,) = find_signatures(text)
    assert (signature.name, signature.handle, signature.date_text) == (name, handle, date)
    assert text[signature.start] == "—"
    assert text[: signature.end].endswith(date)


@pytest.mark.parametrize(
    "text",
    [
        "The river — swollen by meltwater — broke its banks.",
        "He wrote — as the council (@trondheimkommune) did — that all was well.",
        "Signed — Jane (@jane_d) on Tuesday",
        "Two lines — Jane\n(@jane_d) March 4, 2026",
        "Jane Doe (@jane_d) March 4, 2026",  # no dash
        "— Jane (@jane_d) March 45, 2026x",
    ],
)
def test_not_signatures(text: str) -> None:
    assert find_signatures(text) == []


# ---- where the text begins ----------------------------------------------------------


def test_rule_1_previous_signature_bounds_the_next_post() -> None:
    text = "A post— Ann (@ann) March 1, 2026Second post— Bob (@bob) March 2, 2026"
    (_, first), (_, second) = signed_posts(text)
    assert first.text == "A post"
    assert second.text == "Second post"
    assert text[second.start :].startswith("Second post")


def test_rule_1_marker_line_is_removed() -> None:
    text = "Intro.\n\nPost text 🌊\n\n[image or embed]\n— Ilse (@ilse.bsky.social) May 13, 2025"
    ((_, excerpt),) = signed_posts(text)
    assert excerpt.text == "Post text 🌊"
    assert excerpt.marker == "[image or embed]"


def test_rule_2_last_paragraph_only() -> None:
    text = "Article paragraph.\n\nShe wrote:\n \nLine one\nLine two— Ann (@ann) March 1, 2026"
    assert only_post(text) == ("Line one\nLine two", False)


def test_rule_2_a_tail_line_of_hashtags_keeps_the_paragraph_before() -> None:
    text = (
        "The regime answered with bullets.\n\nStop the crackdown on the uprising.\n\n"
        "#IranProtests @rights_watch pic.twitter.com/AbC1— Ann (@ann) March 1, 2026"
    )
    assert only_post(text) == (
        "Stop the crackdown on the uprising.\n\n#IranProtests @rights_watch pic.twitter.com/AbC1",
        False,
    )
    # Only when both fit: a long paragraph before the tail is the article's.
    assert only_post(text, limit=50) == ("#IranProtests @rights_watch pic.twitter.com/AbC1", False)


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("Police kept their distance until about ten, when…", True),
        ("Full data: example.org/floods/2026/ga…", False),  # a shortened link label
        ("Thread: twitter.com/dv_unterelbe/s…", False),
        ("Ends here.", False),
        ("Ends in dots...", False),
    ],
)
def test_visibly_cut(text: str, cut: bool) -> None:
    assert visibly_cut(text) is cut


def test_rule_3_whole_paragraph_within_limit() -> None:
    text = "Lead-in prose. Post words here— Ann (@ann) March 1, 2026"
    assert only_post(text) == ("Lead-in prose. Post words here", False)


def test_rule_4_leading_lines_dropped_until_it_fits() -> None:
    prose = "p" * 30
    text = f"{prose}\n{prose}\nPost line one\nPost line two— Ann (@ann) March 1, 2026"
    assert only_post(text, limit=40) == ("Post line one\nPost line two", False)


def test_rule_5_sentence_boundary_on_the_signature_line() -> None:
    text = (
        "This is a long article sentence that cannot fit. It goes on. "
        "The post starts here and ends here!— Ann (@ann) March 1, 2026"
    )
    assert only_post(text, limit=40) == ("The post starts here and ends here!", False)
    # the earliest boundary that fits wins: a short sentence before the post is kept
    assert only_post(text, limit=50) == ("It goes on. The post starts here and ends here!", False)


def test_rule_5_glued_boundary_counts() -> None:
    text = (
        "Some long prose sentence from the article body.Nobody warned us!— Odd (@odd) March 1, 2026"
    )
    assert only_post(text, limit=30) == ("Nobody warned us!", False)


def test_rule_5_closing_quotes_stay_with_the_sentence_before() -> None:
    text = 'He said "we are fine." Then the post began— Ann (@ann) March 1, 2026'
    assert only_post(text, limit=25) == ("Then the post began", False)


def test_rule_6_word_cut_is_flagged() -> None:
    text = "words without any sentence end at all and then the post— Ann (@ann) March 1, 2026"
    post, cut = only_post(text, limit=20)
    assert cut is True
    assert post == "and then the post"
    assert visible_length(post) <= 20


def test_text_is_nfc_and_lines_trimmed() -> None:
    text = "Cafe\u0301 open   \r\nagain\r\n— Ann (@ann) March 1, 2026"
    assert only_post(text) == ("Café open\nagain", False)


def test_post_text_before_without_signature() -> None:
    excerpt = post_text_before("Earlier.\n\nThe post", end=len("Earlier.\n\nThe post"))
    assert excerpt.text == "The post"
    assert excerpt.start == len("Earlier.\n\n")


def test_article_fixture_signatures() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    found = signed_posts(text)
    assert [signature.handle for signature, _ in found] == [
        "marisol_ol",
        "journalnordique",
        "oddarne_h",
        "ilse.bsky.social",
        "kenji_wr",
        "volonter_shtab",
    ]
    assert [excerpt.marker for _, excerpt in found] == [
        None,
        None,
        None,
        "[image or embed]",
        None,
        None,
    ]
    assert not any(excerpt.cut for _, excerpt in found)
    for _, excerpt in found:  # start points at the text as it appears in the article
        assert text[excerpt.start :].startswith(excerpt.text.split("\n")[0])


# ---- helpers ------------------------------------------------------------------------


def test_visible_length_counts_what_a_reader_sees() -> None:
    assert visible_length("abc") == 3
    assert visible_length("e\u0301") == 1  # combining accent
    assert visible_length("👍🏽") == 1  # skin-tone modifier
    assert visible_length("❤️") == 1  # variation selector
    assert visible_length("🌊📈") == 2


def test_text_post_id() -> None:
    digest = hashlib.sha256("ann\n2026-03-01\nHello 🌊".encode()).hexdigest()
    assert text_post_id("ann", "2026-03-01", "Hello 🌊") == "text-" + digest[:16]
    assert text_post_id("ann", "2026-03-01", "Hello") != text_post_id("bob", "2026-03-01", "Hello")


def test_find_urls() -> None:
    text = (
        "See https://example.org/a?b=1, example.org/methods and www.example.net/x. "
        "Not example.org/pegel/2025/mai... nor example.org/long/pa… nor e.g. this. "
        "Again https://example.org/a?b=1"
    )
    assert find_urls(text) == [
        "https://example.org/a?b=1",
        "https://example.org/methods",
        "https://www.example.net/x",
    ]


@pytest.mark.parametrize(
    ("label", "url"),
    [
        ("https://example.org/x", "https://example.org/x"),
        ("http://example.org", "http://example.org"),
        ("example.org/methods", "https://example.org/methods"),
        ("example.org", "https://example.org"),
        ("example.org/floods/2026/ga…", None),
        ("reefdata.org/reports/2025-b...", None),
        ("#Hochwasser", None),
        ("@cityhydro", None),
        ("two words", None),
        ("", None),
    ],
)
def test_url_from_label(label: str, url: str | None) -> None:
    assert url_from_label(label) == url
