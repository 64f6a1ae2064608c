"""Acceptance of the address guard from the command line.

A post on an internal address, or media on one, is refused in one line and nothing is
fetched from it; the endpoints a config names are trusted as written; ``--allow-private``
(``add``, ``extract``, ``recheck``) and ``[network] allow_private_addresses`` open the
rest. A spy under the guard (archiver's network backend) records every connection opened
and refuses any that is not loopback, so nothing here can reach past this machine even if
the guard failed.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpcore
import pytest

from archiver.net.transport import AsyncioBackend
from tests.e2e.posts import TOOT_ID, toot_key, toot_url
from tests.e2e.replay import Answer, Replay, fixture, fixture_json, write_config
from tests.e2e.stored import media, posts, run_cli

HINT = "set [network] allow_private_addresses = true (or --allow-private) to allow"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection the client opens, as (host, port)."""
    real = AsyncioBackend.connect_tcp
    opened: list[tuple[str, int]] = []

    async def connect_tcp(
        self: AsyncioBackend,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        opened.append((host, port))
        if host not in ("127.0.0.1", "::1"):
            raise httpcore.ConnectError(f"test network: {host} is not loopback")
        return await real(self, host, port, timeout, local_address, socket_options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", connect_tcp)
    return opened


@pytest.fixture
def elsewhere(home: Path) -> Path:
    """A config whose endpoints are another server, so the replay server is just a host."""
    return write_config(home.parent / "elsewhere.toml", "http://127.0.0.1:9")


def test_a_post_on_an_internal_host_is_refused_until_allowed(
    replay: Replay, home: Path, elsewhere: Path, connections: list[tuple[str, int]]
) -> None:
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    url = toot_url(replay)

    refused = run_cli("add", url, home=home, config=elsewhere)

    assert refused.exit_code == 1, refused.output
    [line] = refused.lines("failed")
    assert line == (
        f"failed {url}: refused {replay.url(f'/api/v1/statuses/{TOOT_ID}')}: "
        f"127.0.0.1 is a loopback address; {HINT}"
    )
    assert replay.seen == [] and connections == []
    assert toot_key(replay) not in posts(home)

    allowed = run_cli("add", "--allow-private", url, home=home, config=elsewhere)

    assert allowed.exit_code == 0, allowed.output
    assert posts(home)[toot_key(replay)]["status"] == "archived"
    assert len(replay.hits(f"/api/v1/statuses/{TOOT_ID}")) == 1


def test_the_setting_opens_internal_hosts_and_extract_takes_the_option(
    replay: Replay, home: Path, elsewhere: Path
) -> None:
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    url = toot_url(replay)

    refused = run_cli("extract", url, config=elsewhere)
    assert refused.exit_code == 1 and "refused" in refused.stderr
    assert replay.seen == []

    printed = run_cli("extract", "--allow-private", url, config=elsewhere)
    assert printed.exit_code == 0, printed.output
    assert TOOT_ID in printed.stdout

    opened = write_config(
        home.parent / "open.toml",
        "http://127.0.0.1:9",
        network={"allow_private_addresses": True},
    )
    added = run_cli("add", url, home=home, config=opened)
    assert added.exit_code == 0, added.output


def test_media_on_internal_addresses_are_refused_and_the_post_kept(
    replay: Replay, home: Path, replay_config: Path, connections: list[tuple[str, int]]
) -> None:
    """The replay server is the configured endpoint here, so its posts are fetched."""
    status = fixture_json("mastodon", "status-ok.200.json")
    first = status["media_attachments"][0]
    internal = ["http://10.0.0.5/gauge.png", "http://169.254.169.254/latest/meta-data/"]
    status["media_attachments"] = [
        {**first, "id": str(n), "url": url} for n, url in enumerate(internal)
    ]
    replay.mastodon(TOOT_ID, Answer.json(status))

    run = run_cli("add", "--media", toot_url(replay), home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert posts(home)[toot_key(replay)]["status"] == "archived"
    assert all(row["sha256"] is None for row in media(home, toot_key(replay)).values())
    [warning] = run.lines("warning")
    assert "refused http://10.0.0.5/gauge.png: 10.0.0.5 is a private address" in warning
    assert "169.254.169.254 is a link-local address" in warning
    assert {host for host, _ in connections} == {"127.0.0.1"}


def test_a_refused_recheck_is_an_error_never_a_deletion(
    replay: Replay, home: Path, elsewhere: Path
) -> None:
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    added = run_cli("add", "--allow-private", toot_url(replay), home=home, config=elsewhere)
    assert added.exit_code == 0, added.output

    refused = run_cli("recheck", "--all", "--json", home=home, config=elsewhere)

    assert refused.exit_code == 1, refused.output
    assert posts(home)[toot_key(replay)]["status"] == "archived"
    assert len(replay.hits(f"/api/v1/statuses/{TOOT_ID}")) == 1

    allowed = run_cli("recheck", "--all", "--allow-private", home=home, config=elsewhere)
    assert allowed.exit_code == 0, allowed.output
    assert len(replay.hits(f"/api/v1/statuses/{TOOT_ID}")) == 2


def test_credentials_in_a_post_url_reach_nothing_stored(
    replay: Replay, home: Path, replay_config: Path
) -> None:
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    url = toot_url(replay).replace("http://", "http://reader:s3cret@")

    run = run_cli("add", url, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert posts(home)[toot_key(replay)]["status"] == "archived"
    [request] = replay.hits(f"/api/v1/statuses/{TOOT_ID}")
    assert "authorization" not in request.headers
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            assert b"s3cret" not in data, path
