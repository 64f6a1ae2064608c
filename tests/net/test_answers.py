"""A meta refresh read as a redirect (``net/answers.py``), from the page alone; the status
rules of an answer are tested through the client against a local server (``test_client.py``)."""

from __future__ import annotations

import pytest

from archiver.net.answers import Hop, meta_refresh_target


def page(body: str, *, status: int = 200, content_type: str = "text/html") -> Hop:
    headers = {"content-type": content_type}
    return Hop("https://t.co/Ab12", status, headers, body.encode(), "2026-01-05T10:00:00Z")


@pytest.mark.parametrize(
    ("body", "target"),
    [
        (
            '<meta http-equiv="refresh" content="0;URL=https://x.com/a/status/1">',
            "https://x.com/a/status/1",
        ),
        (
            "<META HTTP-EQUIV=Refresh CONTENT='1; url=/next?a=1&amp;b=2'>",
            "https://t.co/next?a=1&b=2",
        ),
        (
            '<meta name="x" content="url=/no"><meta http-equiv="refresh" content="0;url=/yes">',
            "https://t.co/yes",
        ),
    ],
)
def test_the_refresh_target_is_read_resolved_and_unescaped(body: str, target: str) -> None:
    assert meta_refresh_target(page(body)) == target


@pytest.mark.parametrize(
    "hop",
    [
        page('<meta http-equiv="refresh" content="5">'),
        page('<meta name="description" content="url=/elsewhere">'),
        page('<meta http-equiv="refresh" content="0;url=/x">', status=404),
        page('<meta http-equiv="refresh" content="0;url=/x">', content_type="text/plain"),
        page(" " * 70000 + '<meta http-equiv="refresh" content="0;url=/x">'),
    ],
)
def test_no_target_where_the_page_gives_none_or_is_not_an_html_answer(hop: Hop) -> None:
    assert meta_refresh_target(hop) is None
