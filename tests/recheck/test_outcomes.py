"""Reading fetch results as check outcomes, and reading the user's selection (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.net.fetch import FetchResult
from archiver.platforms.base import Gone, PostRef, Reason
from archiver.recheck import Selection, SelectionError, classify, outcome_for_reason, parse_cutoff
from archiver.store.check_queries import Target
from tests.conftest import make_post

REF = PostRef(
    "twitter", "1000000000000000001", "https://x.com/riverwatch/status/1000000000000000001"
)


def target(status: str = "archived", **prior: str) -> Target:
    return Target(REF.key, "twitter", REF.post_id, REF.url, status, dict(prior))


def found(text: str = "Flood barrier holds", method: str = "api") -> FetchResult:
    post = make_post(text=text, method=method, source="https://cdn.example/tweet-result")
    return FetchResult(REF.url, "archived", REF, post)


def gone(reason: Reason, status: int = 404) -> FetchResult:
    return FetchResult(
        REF.url, "unavailable", REF, gone=Gone(reason, "the platform says so", status)
    )


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        (Reason.DELETED, "deleted"),
        (Reason.NOT_FOUND, "deleted"),
        (Reason.PRIVATE, "private"),
        (Reason.SUSPENDED, "suspended"),
        (Reason.LOGIN_REQUIRED, "unavailable"),
        (Reason.REGION_LOCKED, "unavailable"),
        (Reason.EMBEDDING_DISABLED, "unavailable"),
        (Reason.AGE_RESTRICTED, "unavailable"),
        (Reason.BLOCKED, "error"),
    ],
)
def test_every_reason_has_an_outcome(reason: Reason, outcome: str) -> None:
    assert outcome_for_reason(reason) == outcome


def test_a_block_of_archiver_is_an_error_that_changes_nothing() -> None:
    verdict = classify(target(), gone(Reason.BLOCKED, 403))
    assert (verdict.outcome, verdict.reason, verdict.http_status) == ("error", "blocked", 403)
    assert not verdict.definitive and not verdict.store
    assert "says nothing about the post" in (verdict.detail or "")


def test_a_failure_is_an_error_with_the_status_it_names() -> None:
    failed = FetchResult(REF.url, "failed", REF, error="GET u failed after 4 attempts: HTTP 503; …")
    verdict = classify(target(), failed)
    assert (verdict.outcome, verdict.http_status, verdict.store) == ("error", 503, False)


def test_newly_gone_is_stored_but_still_gone_is_not() -> None:
    first = classify(target("archived"), gone(Reason.NOT_FOUND))
    again = classify(target("not_found"), gone(Reason.DELETED))
    assert (first.outcome, first.previous, first.store, first.status) == (
        "deleted",
        "available",
        True,
        "not_found",
    )
    assert (again.outcome, again.previous, again.store) == ("deleted", "deleted", False)


def test_changed_compares_only_with_the_same_capture_method() -> None:
    original = found("Flood barrier holds")
    edited = found("Flood barrier failed")
    same = {"api": original.post.content_hash}  # type: ignore[union-attr]

    assert classify(target(**same), original).outcome == "available"
    changed = classify(target(**same), edited)
    assert (changed.outcome, changed.store) == ("changed", True)
    assert changed.content_hash == edited.post.content_hash  # type: ignore[union-attr]

    # only an embed capture before: no like to compare with, so a new baseline, not "changed"
    embed_only = {"embed-html": "sha256:" + "0" * 64}
    baseline = classify(target(**embed_only), edited)
    assert (baseline.outcome, baseline.store) == ("available", True)
    assert "baseline" in (baseline.detail or "")


def test_a_post_that_returns_is_available_and_stored() -> None:
    result = found()
    verdict = classify(target("private", api=result.post.content_hash), result)  # type: ignore[union-attr]
    assert (verdict.outcome, verdict.previous, verdict.store, verdict.status) == (
        "available",
        "private",
        True,
        "archived",
    )


def test_a_post_now_under_another_key_is_available_but_not_compared() -> None:
    other = make_post("1000000000000000099", method="api")
    result = FetchResult(REF.url, "archived", REF, other)
    verdict = classify(target(api="sha256:" + "1" * 64), result)
    assert verdict.outcome == "available" and "twitter:1000000000000000099" in (
        verdict.detail or ""
    )


NOW = datetime(2026, 3, 31, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "cutoff"),
    [
        ("30d", "2026-03-01T12:30:00Z"),
        ("12h", "2026-03-31T00:30:00Z"),
        ("2w", "2026-03-17T12:30:00Z"),
        ("2026-01-01", "2026-01-01T00:00:00Z"),
        ("2026-01-01T09:00:00+02:00", "2026-01-01T07:00:00Z"),
        ("2026-01-01T09:00:00", "2026-01-01T09:00:00Z"),
    ],
)
def test_ages_and_dates_become_utc_cutoffs(given: str, cutoff: str) -> None:
    assert parse_cutoff(given, NOW) == cutoff


@pytest.mark.parametrize("given", ["yesterday", "30", "3 months", "2026-13-01"])
def test_unreadable_ages_are_refused(given: str) -> None:
    with pytest.raises(SelectionError):
        parse_cutoff(given, NOW)


def test_a_selection_names_the_same_runs_however_it_was_typed() -> None:
    one = Selection(targets=("b", "a"), not_checked_since="30d")
    two = Selection(targets=("a", "b"), not_checked_since="30d")
    assert one.identity(("a", "b")) == two.identity(("a", "b"))
    assert one.identity(("a", "b")) != Selection(all=True).identity(None)
    assert one.describe() == "2 given post(s), not checked since 30d"
