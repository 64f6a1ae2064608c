"""Merging a post's captures into its stored view: which capture wins."""

from __future__ import annotations

from archiver.store.merge import merge_records
from tests.conftest import make_post


def test_of_two_captures_of_one_kind_in_the_same_second_the_later_wins() -> None:
    first = make_post(text="Barrier failed twice", method="api", source="api")
    edited = make_post(text="Correction: barrier failed once", method="api", source="api")
    assert first.capture.captured_at == edited.capture.captured_at

    merged = merge_records([first.to_json_dict(), edited.to_json_dict()])

    assert merged.text == "Correction: barrier failed once"


def test_a_live_capture_wins_over_a_later_embed_and_the_embed_fills_gaps() -> None:
    live = make_post(text="Full text from the API", method="api", media=[], lang=None)
    embed = make_post(
        text="Full text from…", method="embed-html", captured_at="2026-01-08T10:00:00Z", lang="en"
    )

    merged = merge_records([live.to_json_dict(), embed.to_json_dict()])

    assert merged.text == "Full text from the API"
    assert merged.lang == "en"
    assert [m.url for m in merged.media] == ["https://pic.twitter.com/AbC123"]
