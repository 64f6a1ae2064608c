from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from archiver.record import (
    HASHED_FIELDS,
    Post,
    canonical_json,
    content_hash_of_dict,
    from_epoch,
    parse_iso_utc,
    to_utc_iso,
)
from tests.conftest import make_post


def test_key_and_hash_are_computed_on_construction() -> None:
    post = make_post()
    assert post.key == "twitter:1000000000000000001"
    assert post.content_hash.startswith("sha256:")
    assert len(post.content_hash) == len("sha256:") + 64


def test_hash_recipe_in_docs_matches_code() -> None:
    """The documented recipe, written out independently, gives the stored hash."""
    record = json.loads(make_post().to_json())
    view = {name: record.get(name) for name in HASHED_FIELDS}
    view["media"] = [{k: m.get(k) for k in ("kind", "url", "alt")} for m in record["media"]]
    expected = "sha256:" + hashlib.sha256(rfc8785.dumps(view)).hexdigest()
    assert record["content_hash"] == expected


def test_hash_ignores_metrics_and_capture_but_not_text() -> None:
    base = make_post()
    recaptured = make_post(
        method="api",
        source="https://api",
        captured_at="2026-02-01T00:00:00Z",
        raw=b"{}",
        metrics={"likes": 99},
    )
    edited = make_post(text="Flood barrier fails on the river Esk #floods")
    assert recaptured.content_hash == base.content_hash
    assert edited.content_hash != base.content_hash


def test_hash_of_tampered_dict_differs() -> None:
    record = make_post().to_json_dict()
    record["text"] += "!"
    assert content_hash_of_dict(record) != record["content_hash"]


def test_post_id_is_always_a_string() -> None:
    post = make_post(post_id=1234567890123456789012)  # type: ignore[arg-type]
    assert post.post_id == "1234567890123456789012"
    with pytest.raises(ValidationError):
        make_post(post_id="")


@pytest.mark.parametrize(
    "value", ["2026-01-07", "2026-01-07T10:00:00Z", "2026-01-07T10:00:00.123Z"]
)
def test_created_at_forms_accepted(value: str) -> None:
    assert make_post(created_at=value).created_at == value


@pytest.mark.parametrize("value", ["January 7, 2026", "2026-01-07T10:00:00+01:00", "2026-1-7"])
def test_created_at_forms_rejected(value: str) -> None:
    with pytest.raises(ValidationError):
        make_post(created_at=value)


def test_time_helpers() -> None:
    assert parse_iso_utc("2021-10-30T22:00:03+02:00") == "2021-10-30T20:00:03Z"
    assert parse_iso_utc("2016-03-16T14:44:31.580Z") == "2016-03-16T14:44:31.58Z"
    assert parse_iso_utc("2016-03-16T14:44:31") is None
    assert parse_iso_utc("not a date") is None
    assert from_epoch(0) == "1970-01-01T00:00:00Z"
    assert from_epoch("1700000000.5") == "2023-11-14T22:13:20.5Z"
    from datetime import datetime

    assert to_utc_iso(datetime(2026, 1, 7, 10)) == "2026-01-07T10:00:00Z"


def test_with_changes_recomputes_hash() -> None:
    post = make_post()
    changed = post.with_changes(text="other")
    assert changed.text == "other"
    assert changed.content_hash != post.content_hash
    assert changed.key == post.key


def test_json_round_trip_keeps_hash() -> None:
    post = make_post()
    again = Post.model_validate_json(post.to_json())
    assert again.content_hash == post.content_hash
    assert json.loads(post.to_json())["schema"] == "archiver.post/1"


_json_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
_json_values = st.recursive(
    st.none() | st.booleans() | _json_text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=8), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_canonical_json_agrees_with_rfc8785(value: object) -> None:
    assert canonical_json({"v": value}) == rfc8785.dumps({"v": value})


def test_canonical_json_falls_back_for_numbers() -> None:
    assert canonical_json({"n": 1.0, "s": "x"}) == rfc8785.dumps({"n": 1.0, "s": "x"})
