"""Acceptance of URL identity: which URLs are one record, and what of a URL is stored.

A generic page's identity is its URL, so its own query must survive canonicalisation
(two forum threads differ only by ``?t=``) while tracking parameters and credentials
must not: the page is fetched at its canonical URL, and user info typed into a URL
reaches no key, record, alias, WARC file, bundle or citation.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

from tests.e2e.replay import Replay, fixture
from tests.e2e.stored import aliases, captures, posts, run_cli

THREAD = "/viewtopic.php"
SECRET = "s3cret-Pa55"


def serve_threads(replay: Replay) -> tuple[str, str]:
    """Two threads of one forum, told apart only by ``?t=``; their canonical URLs."""
    replay.on(THREAD, fixture("web", "forum-thread-12345.200.html"), query={"t": "12345"})
    replay.on(THREAD, fixture("web", "forum-thread-999.200.html"), query={"t": "999"})
    return replay.url(f"{THREAD}?t=12345"), replay.url(f"{THREAD}?t=999")


def test_threads_told_apart_by_their_query_are_two_records_each_fetched_at_its_url(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    first, second = serve_threads(replay)
    tracked = replay.url(f"{THREAD}?utm_source=newsletter&t=12345&fbclid=AbC")

    run = run_cli("add", tracked, second, "--json", home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    stored = posts(home)
    assert set(stored) == {f"web:{first}", f"web:{second}"}
    assert stored[f"web:{first}"]["record"]["title"] == (
        "Sluice gate on Mill Lane left open overnight"
    )
    assert stored[f"web:{second}"]["record"]["title"] == "Sandbag collection points for this winter"
    assert stored[f"web:{first}"]["record"]["url"] == first
    # Each thread was requested at its own URL, without the tracking parameters.
    assert sorted(seen.query["t"] for seen in replay.hits(THREAD)) == ["12345", "999"]
    assert all(set(seen.query) == {"t"} for seen in replay.hits(THREAD))
    assert not replay.unmatched
    [capture] = captures(home, f"web:{first}")
    assert capture["evidence"][0]["url"] == first

    # Another spelling of the first thread names the same record: nothing is fetched again.
    again = run_cli("add", replay.url(f"{THREAD}?t=12345&gclid=1"), home=home, config=replay_config)
    assert again.exit_code == 0, again.output
    assert len(replay.hits(THREAD)) == 2
    assert set(posts(home)) == {f"web:{first}", f"web:{second}"}


def test_credentials_in_a_url_reach_no_key_record_archive_bundle_or_citation(
    replay: Replay, replay_config: Path, home: Path, tmp_path: Path
) -> None:
    first, _ = serve_threads(replay)
    secret_url = first.replace("http://", f"http://reader:{SECRET}@")

    run = run_cli("add", secret_url, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert set(posts(home)) == {f"web:{first}"}
    assert secret_url not in aliases(home)
    [seen] = replay.hits(THREAD)
    assert "authorization" not in seen.headers
    cited = run_cli("cite", secret_url, "--style", "apa", home=home, config=replay_config)
    assert cited.exit_code == 0, cited.output
    assert first in cited.stdout
    bundle = tmp_path / "bundle.zip"
    exported = run_cli("export", secret_url, "--out", bundle, home=home, config=replay_config)
    assert exported.exit_code == 0, exported.output

    assert SECRET not in cited.output + exported.output
    stored_files = [path for path in home.rglob("*") if path.is_file()]
    assert any(path.name == "archive.db" for path in stored_files)
    for path in stored_files:  # the database (and its WAL), blobs and WARC files
        data = path.read_bytes()
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        assert SECRET.encode() not in data, path
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            assert SECRET.encode() not in archive.read(name), name
