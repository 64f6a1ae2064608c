"""Changed since cited (``archiver/changes.py``): what counts as a difference, and what as
only filling in what the earlier capture lacked."""

from __future__ import annotations

import pytest

from archiver.changes import citation_differences
from archiver.record import Author, Media
from tests.conftest import make_post

EMBED = {"method": "embed-html", "captured_at": "2026-01-07T10:00:00Z"}
LIVE = {"method": "api", "source": "api", "captured_at": "2026-01-09T10:00:00Z"}


def _live(**fields: object) -> object:
    return make_post(**{**LIVE, **fields})  # type: ignore[arg-type]


# -- only what was lacking ----------------------------------------------------------------------


def test_the_same_post_seen_again_differs_in_nothing() -> None:
    assert citation_differences(make_post(**EMBED), _live()) == ()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        # the rest of a text cut short, flagged or visibly ending in an ellipsis
        ({"text": "Flood barrier holds on", "text_truncated": True}, {}),
        ({"text": "Flood barrier holds on…"}, {}),
        ({"text": "Flood barrier holds on ..."}, {}),
        # a missing text, author name, handle or date
        ({"text": ""}, {}),
        ({"author": Author(handle="riverwatch")}, {}),
        ({"author": Author(name="River Watch")}, {}),
        ({"created_at": None}, {}),
        # a missing time: the embed's local date may be a day either side of UTC
        ({"created_at": "2026-01-07"}, {"created_at": "2026-01-07T23:59:00Z"}),
        ({"created_at": "2026-01-08"}, {"created_at": "2026-01-07T23:59:00Z"}),
        # more media than an embed showed, or media only a player page stood for
        ({"media": []}, {}),
        (
            {"media": [Media(kind="unknown", url="https://x.com/i/embed")]},
            {"media": [Media(kind="video", url="https://video.twimg.com/v.mp4")]},
        ),
        (
            {},
            {
                "media": [
                    Media(kind="photo", url="https://pbs.twimg.com/1.jpg"),
                    Media(kind="photo", url="https://pbs.twimg.com/2.jpg"),
                ]
            },
        ),
        # white space, a shortened link label, a handle's case and its @
        ({"text": "Flood  barrier\nholds on the river Esk #floods"}, {}),
        (
            {"text": "Data: example.org/floods/2026/ga… #floods"},
            {"text": "Data: https://example.org/floods/2026/gauge-readings #floods"},
        ),
        ({"author": Author(name="River Watch", handle="@RiverWatch")}, {}),
        # the later capture lacking something says nothing about it
        ({}, {"text": "", "author": Author(), "created_at": None, "media": []}),
    ],
)
def test_filling_in_what_the_earlier_capture_lacked_is_no_change(
    earlier: dict[str, object], later: dict[str, object]
) -> None:
    assert citation_differences(make_post(**{**EMBED, **earlier}), _live(**later)) == ()  # type: ignore[arg-type]


# -- a different claim ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later", "fields"),
    [
        ({"text": "Flood barrier failed on the river Esk #floods"}, {}, ("text",)),
        # a cut text the later one does not continue
        ({"text": "Flood barrier failed…"}, {}, ("text",)),
        ({"text": "Flood barrier failed", "text_truncated": True}, {}, ("text",)),
        # words added to a text that was whole
        ({"text": "Flood barrier holds"}, {}, ("text",)),
        ({"author": Author(name="River Watch (old name)", handle="riverwatch")}, {}, ("author",)),
        ({"author": Author(name="River Watch", handle="riverwatch_old")}, {}, ("author",)),
        ({"created_at": "2026-01-07T10:00:00Z"}, {"created_at": "2026-01-07T10:00:01Z"}, ("date",)),
        ({"created_at": "2026-01-04"}, {"created_at": "2026-01-07T10:00:00Z"}, ("date",)),
        (
            {},
            {"media": [Media(kind="video", url="https://video.twimg.com/v.mp4")]},
            ("media",),
        ),
        (
            {"text": "Other words", "created_at": "2026-01-01"},
            {"media": [Media(kind="gif", url="https://video.twimg.com/g.mp4")]},
            ("text", "date", "media"),
        ),
    ],
)
def test_saying_something_else_is_a_change(
    earlier: dict[str, object], later: dict[str, object], fields: tuple[str, ...]
) -> None:
    assert citation_differences(make_post(**{**EMBED, **earlier}), _live(**later)) == fields  # type: ignore[arg-type]


def test_a_time_differing_only_below_the_second_is_the_same_time() -> None:
    earlier = make_post(**EMBED, created_at="2026-01-07T14:03:22Z")  # type: ignore[arg-type]
    later = _live(created_at="2026-01-07T14:03:22.517Z")
    assert citation_differences(earlier, later) == ()  # type: ignore[arg-type]
