"""A batch of URLs that all fail for one reason says so once, not once per URL."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from archiver.cli import app


def _add_offline(tmp_path: Path, count: int) -> Result:
    """``archiver add`` of ``count`` post URLs while nothing answers (nothing listens on
    127.0.0.1:1), as it goes offline."""
    config = tmp_path / "offline.toml"
    config.write_text(
        '[endpoints]\ntwitter_syndication = "http://127.0.0.1:1"\n'
        'twitter_oembed = "http://127.0.0.1:1"\n[http]\nmax_attempts = 1\n',
        encoding="utf-8",
    )
    urls = [f"https://x.com/riverwatch/status/10000000000000000{n:02d}" for n in range(count)]
    return CliRunner().invoke(
        app, ["add", *urls, "--home", str(tmp_path / "home"), "--config", str(config)]
    )


def _failed_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("failed ")]


def test_an_offline_batch_ends_with_one_summary_line(tmp_path: Path) -> None:
    result = _add_offline(tmp_path, 8)
    assert result.exit_code == 1
    assert len(_failed_lines(result)) == 3
    assert result.stderr.splitlines()[-1] == (
        "offline? 8 URLs failed: connection failed (All connection attempts failed); "
        "try again later"
    )


def test_a_few_failures_are_each_shown(tmp_path: Path) -> None:
    result = _add_offline(tmp_path, 2)
    assert result.exit_code == 1
    assert len(_failed_lines(result)) == 2
    assert "URLs failed" not in result.stderr
