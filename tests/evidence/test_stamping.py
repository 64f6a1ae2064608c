"""Stamping runs of captures against a real TSA on 127.0.0.1, into a real SQLite archive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.config import Settings, load_settings
from archiver.evidence.merkle import leaf_hash, root_from_path, split_path
from archiver.evidence.stamping import stamp_captures
from archiver.evidence.tsa import Trust, load_certificates, verify_token
from archiver.store import Archive
from archiver.store.timestamps import (
    TimestampPath,
    TimestampToken,
    TimestampTree,
    count_unstamped,
    newest_capture_id,
)
from tests.evidence.stamped import add_posts, rows
from tests.evidence.tsa_server import LocalTsa, closed_url, make_pki, running_tsa, write_config


@pytest.fixture
def tsa() -> Iterator[LocalTsa]:
    with running_tsa() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, tsa: LocalTsa) -> Settings:
    return load_settings(write_config(tmp_path, tsa.url, pki=tsa.pki))


def test_one_run_is_stamped_with_one_request(home: Path, tsa: LocalTsa, settings: Settings) -> None:
    with Archive(home) as archive:
        add_posts(archive, 40)
        report = stamp_captures(archive, settings)
        assert (report.captures, report.stamped, len(tsa.requests)) == (40, True, 1)
        assert [tree.size for tree in rows(archive, TimestampTree)] == [40]
        assert len(rows(archive, TimestampPath)) == 40
        (token,) = rows(archive, TimestampToken)
        assert token.gen_time == report.stamps[0].time
        assert "BEGIN CERTIFICATE" in token.chain_pem
        assert count_unstamped(archive) == 0


def test_a_capture_is_proven_alone_from_its_path(
    home: Path, tsa: LocalTsa, settings: Settings
) -> None:
    """What the archive keeps for one capture (its row, its path, its tree's root and
    token) proves it without any other capture."""
    with Archive(home) as archive:
        add_posts(archive, 13)
        stamp_captures(archive, settings)
        capture = archive.captures("twitter:1000000000000000007")[0]
        path = next(p for p in rows(archive, TimestampPath) if p.capture_id == capture.id)
        tree = rows(archive, TimestampTree)[0]
        token = rows(archive, TimestampToken)[0]
    leaf = leaf_hash(capture.raw_sha256, capture.content_hash)
    root = bytes.fromhex(tree.root)
    assert root_from_path(leaf, path.leaf_index, tree.size, split_path(path.path)) == root
    trust = Trust.of(load_certificates(token.chain_pem.encode(), "chain"))
    assert verify_token(token.reply, root, trust).signer == "Test TSA"
    edited = leaf_hash(capture.raw_sha256, "sha256:" + "0" * 64)
    assert root_from_path(edited, path.leaf_index, tree.size, split_path(path.path)) != root


def test_a_run_stamps_only_what_it_stored(home: Path, tsa: LocalTsa, settings: Settings) -> None:
    with Archive(home) as archive:
        add_posts(archive, 3)
        before = newest_capture_id(archive)
        add_posts(archive, 2, start=3)
        assert stamp_captures(archive, settings, after=before).captures == 2
        assert count_unstamped(archive) == 3
        assert stamp_captures(archive, settings).captures == 3
        assert len(tsa.requests) == 2


def test_nothing_new_asks_no_one(home: Path, tsa: LocalTsa, settings: Settings) -> None:
    with Archive(home) as archive:
        report = stamp_captures(archive, settings)
    assert (report.captures, report.stamped, tsa.requests) == (0, False, [])


def test_an_authority_that_is_down_leaves_the_run_unstamped_until_later(
    home: Path, tmp_path: Path, tsa: LocalTsa, settings: Settings
) -> None:
    down = load_settings(write_config(tmp_path, closed_url(), pki=tsa.pki))
    with Archive(home) as archive:
        add_posts(archive, 5)
        report = stamp_captures(archive, down)
        assert not report.stamped
        assert "connection failed" in str(report.refusals[0])
        assert rows(archive, TimestampTree) == [] and count_unstamped(archive) == 5
        later = stamp_captures(archive, settings)
        assert (later.captures, later.stamped, count_unstamped(archive)) == (5, True, 0)


def test_one_authority_down_does_not_stop_another(
    home: Path, tmp_path: Path, tsa: LocalTsa
) -> None:
    both = load_settings(write_config(tmp_path, closed_url(), tsa.url, pki=tsa.pki))
    with Archive(home) as archive:
        add_posts(archive, 4)
        report = stamp_captures(archive, both)
        assert [s.authority.url for s in report.stamps] == [tsa.url]
        assert len(report.refusals) == 1
        assert len(rows(archive, TimestampToken)) == 1


def test_a_token_from_an_untrusted_authority_is_not_kept(
    home: Path, tmp_path: Path, tsa: LocalTsa
) -> None:
    strangers = load_settings(write_config(tmp_path, tsa.url, pki=make_pki("Stranger")))
    with Archive(home) as archive:
        add_posts(archive, 2)
        report = stamp_captures(archive, strangers)
        assert not report.stamped
        assert "does not chain to a trusted authority" in report.refusals[0].reason
        assert rows(archive, TimestampToken) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": 503}, "HTTP 503"),
        ({"imprint_override": b"\x01" * 32}, "another message"),
    ],
    ids=["server error", "wrong imprint"],
)
def test_a_bad_answer_is_reported_not_kept(
    home: Path, tsa: LocalTsa, settings: Settings, change: dict[str, object], reason: str
) -> None:
    for name, value in change.items():
        setattr(tsa, name, value)
    with Archive(home) as archive:
        add_posts(archive, 2)
        report = stamp_captures(archive, settings)
        assert not report.stamped and reason in report.refusals[0].reason
        assert count_unstamped(archive) == 2


def test_a_slow_authority_is_given_up_after_the_timeout(
    home: Path, tmp_path: Path, tsa: LocalTsa
) -> None:
    tsa.delay = 2.0
    impatient = load_settings(write_config(tmp_path, tsa.url, pki=tsa.pki, timeout_seconds=0.3))
    with Archive(home) as archive:
        add_posts(archive, 1)
        report = stamp_captures(archive, impatient)
    assert not report.stamped
    assert "timeout_seconds" in report.refusals[0].reason


def test_an_unreadable_certificate_file_is_a_refusal_not_a_crash(
    home: Path, tmp_path: Path, tsa: LocalTsa
) -> None:
    broken = load_settings(write_config(tmp_path, tsa.url, certificates=[str(tmp_path / "no.pem")]))
    with Archive(home) as archive:
        add_posts(archive, 1)
        report = stamp_captures(archive, broken)
    assert not report.stamped and "cannot read" in report.refusals[0].reason
    assert tsa.requests == []
