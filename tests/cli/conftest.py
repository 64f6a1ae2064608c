"""The replay server (a local stand-in for the platforms), for CLI tests that fetch; a small
archive of every shape a table shows; and a terminal of a given width to print tables to."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from archiver.cli import archive_commands, listing, recheck_commands
from archiver.record import Author, Media
from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post
from tests.e2e.replay import replay, replay_config, replay_server

__all__ = ["replay", "replay_config", "replay_server"]

EXPECTED = Path(__file__).parent / "expected"
LONG = (
    "Flood barrier on the river Esk held through the night; the council says the pumps at "
    "Ruswarp ran for 14 hours and the water stopped 30 cm below the top of the wall."
)


def sample_archive(home: Path) -> None:
    """Invented posts shaped like the archive a reporter builds: X posts from an article and
    one fetched live since (its words changed), a Bluesky post (the longest keys there
    are), a Mastodon toot with a long author handle, and an X post found deleted."""
    embed = make_post(
        "2008902282974425946", text="Gauges on the Esk just hit 4.8 m, highest ever recorded.",
        created_at="2026-01-07", captured_at="2026-01-08T09:00:00Z",
        author=Author(name="Marisol Okafor-Lindqvist", handle="marisol_ol"),
    )  # fmt: skip
    live = make_post(
        "2008902282974425946", text="Gauges on the Esk just hit 4.2 m, highest since 1987.",
        created_at="2026-01-07T14:03:22.517Z", captured_at="2026-01-09T10:30:00Z",
        method="api", source="https://api.example/tweet", raw=b"{}",
        author=Author(name="Marisol Okafor-Lindqvist", handle="marisol_ol"),
    )  # fmt: skip
    bluesky = make_post(
        "did:plc:q4v7xk2mzt5h3wprdc6ljyan/3lfq2xk7vms2a", platform="bluesky",
        url="https://bsky.app/profile/did:plc:q4v7xk2mzt5h3wprdc6ljyan/post/3lfq2xk7vms2a",
        text="Sandbags at the quay\nare holding.", created_at="2026-01-08T07:45:10.000Z",
        author=Author(name="Kofi Mensah", handle="kofi.bsky.social"), media=[],
    )  # fmt: skip
    toot = make_post(
        "social.alder.example/115858302566459222", platform="mastodon",
        url="https://social.alder.example/@tidewatch/115858302566459222", text=LONG,
        created_at="2026-01-08T11:12:41.000Z",
        author=Author(name="Tide Watch", handle="tidewatch@social.alder.example"),
        media=[Media(kind="photo", url="https://social.alder.example/m/1.jpg")],
    )  # fmt: skip
    gone = make_post("1999999999999999999", text="Road closed at the ford.")
    evidence = [Evidence(url="article.html", body=b"<html>article</html>")]
    with Archive(home) as archive:
        archive.add([Observation.of_post(post, evidence) for post in (embed, bluesky, toot, gone)])
        archive.add([Observation.of_post(live, [Evidence(url="https://api.example", body=b"{}")])])
        archive.add(
            [
                Observation(
                    key=gone.key, platform="twitter", post_id=gone.post_id, url=gone.url,
                    method="api", source="https://api.example/gone", captured_at=
                    "2026-01-10T08:00:00Z", evidence=[Evidence(url="https://api.example/gone",
                    body=b'{"error": "not found"}')], status="not_found", live=True,
                    http_status=404,
                )
            ]
        )  # fmt: skip


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], StringIO]:
    """``terminal(80)``: the commands print to a terminal 80 columns wide, without colour;
    returns what they print."""

    def make(width: int) -> StringIO:
        screen = StringIO()
        console = Console(
            file=screen, width=width, force_terminal=True, color_system=None,
            soft_wrap=True, highlight=False, emoji=False,
        )  # fmt: skip
        for module in (archive_commands, listing, recheck_commands):
            monkeypatch.setattr(module, "out", console)
        return screen

    return make


def expected(name: str) -> str:
    return (EXPECTED / name).read_text(encoding="utf-8")


def screen_text(screen: StringIO) -> str:
    """What was printed, without the spaces Rich pads each table line with."""
    return "".join(line.rstrip() + "\n" for line in screen.getvalue().splitlines())
