"""Reading fetch results as check outcomes, and reading the user's selection (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.net.client import ResponseEvidence
from archiver.net.fetch import FetchResult
from archiver.platforms.base import Gone, PostRef, Reason
from archiver.recheck import Selection, SelectionError, classify, outcome_for_reason, parse_cutoff
from archiver.recheck.outcomes import Verdict
from archiver.record import sha256_hex
from archiver.store.check_queries import Target
from archiver.store.checks import STATUS_OUTCOME
from tests.conftest import make_post

REF = PostRef(
    "twitter", "1000000000000000001", "https://x.com/riverwatch/status/1000000000000000001"
)


def target(status: str = "archived", **prior: str) -> Target:
    return Target(REF.key, "twitter", REF.post_id, REF.url, status, dict(prior))


def answered(status: int) -> list[ResponseEvidence]:
    """The one response a fetch read: a real one would hold the platform's body."""
    body = b'{"data": {}}'
    return [
        ResponseEvidence(
            purpose="post",
            request_url=REF.url,
            final_url=REF.url,
            status=status,
            content_type="application/json",
            body=body,
            sha256=sha256_hex(body),
            received_at="2026-03-31T12:30:00Z",
            warc=None,
        )
    ]


def found(text: str = "Flood barrier holds", method: str = "api", status: int = 200) -> FetchResult:
    post = make_post(text=text, method=method, source="https://cdn.example/tweet-result")
    return FetchResult(REF.url, "archived", REF, post, evidence=answered(status))


def gone(reason: Reason, status: int | None = 404, answer: int = 404) -> FetchResult:
    return FetchResult(
        REF.url,
        "unavailable",
        REF,
        gone=Gone(reason, "the platform says so", status),
        evidence=answered(answer),
    )


def hash_of(result: FetchResult) -> str:
    assert result.post is not None
    return result.post.content_hash


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
    assert verdict == Verdict(
        "error",
        "available",
        "blocked",
        "blocked: the platform says so (this says nothing about the post)",
        403,
    )
    assert not verdict.definitive and not verdict.store


def test_a_block_is_an_error_even_if_the_status_table_named_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The table of post statuses lives in the store; a block must stay an error whatever
    # is added to it, as a block says nothing about the post.
    monkeypatch.setitem(STATUS_OUTCOME, Reason.BLOCKED.value, "unavailable")
    assert outcome_for_reason(Reason.BLOCKED) == "error"


def test_a_failure_is_an_error_with_the_status_it_names() -> None:
    failed = FetchResult(REF.url, "failed", REF, error="GET u failed after 4 attempts: HTTP 503; …")
    verdict = classify(target(), failed)
    assert (verdict.outcome, verdict.http_status, verdict.store) == ("error", 503, False)


def test_a_failure_naming_no_status_keeps_the_last_answer_and_says_it_failed() -> None:
    parse = FetchResult(
        REF.url, "failed", REF, error="no tweet in the answer", evidence=answered(200)
    )
    assert classify(target(), parse) == Verdict(
        "error", "available", None, "no tweet in the answer", 200
    )
    silent = FetchResult(REF.url, "failed", REF)
    assert classify(target("private"), silent) == Verdict(
        "error", "private", None, "the fetch failed", None
    )


def test_a_gone_answer_is_recorded_with_the_platforms_words_and_status() -> None:
    assert classify(target("archived"), gone(Reason.NOT_FOUND, 404)) == Verdict(
        "deleted", "available", "not_found", "the platform says so", 404, store=True
    )
    # A tombstone in a page served with 200: the status is the answer's.
    tombstone = gone(Reason.DELETED, status=None, answer=200)
    assert classify(target("archived"), tombstone).http_status == 200
    # The platform module's own status wins over the last answer's.
    assert classify(target("archived"), gone(Reason.DELETED, 410, answer=200)).http_status == 410


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


def test_every_seen_verdict_records_the_answer_the_method_and_the_hash() -> None:
    """Each field of a verdict becomes a column of the post's check (``archiver history``)."""
    original, edited = found("Flood barrier holds"), found("Flood barrier failed")
    before = hash_of(original)
    assert classify(target(), original) == Verdict(
        "available",
        "available",
        None,
        "first api capture: kept as the baseline for later comparisons",
        200,
        "api",
        before,
        True,
    )
    assert classify(target(api=before), original) == Verdict(
        "available", "available", None, None, 200, "api", before, False
    )
    assert classify(target(api=before), edited) == Verdict(
        "changed",
        "available",
        None,
        f"content hash differs from the previous api capture ({before})",
        200,
        "api",
        hash_of(edited),
        True,
    )


def test_visible_again_is_said_only_of_a_post_known_to_have_been_gone() -> None:
    result = found()
    known = hash_of(result)
    assert classify(target("private", api=known), result) == Verdict(
        "available", "private", None, "visible again", 200, "api", known, True
    )
    # A status that names no outcome: nothing to say it was gone, but seen, so kept.
    assert classify(target("blocked", api=known), result) == Verdict(
        "available", None, None, None, 200, "api", known, True
    )


def test_a_post_under_another_key_is_recorded_but_not_compared() -> None:
    other = make_post("1000000000000000099", method="widget")
    result = FetchResult(REF.url, "archived", REF, other, evidence=answered(200))
    assert classify(target(api="sha256:" + "1" * 64), result) == Verdict(
        "available",
        "available",
        None,
        "the platform now names this post twitter:1000000000000000099; not compared",
        200,
        "widget",
        other.content_hash,
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
