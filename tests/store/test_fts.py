"""The full-text index follows the posts table: one entry per post, replaced on change."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post
from tests.store.conftest import OpenArchive


def observe(post, body: bytes) -> Observation:  # type: ignore[no-untyped-def]
    return Observation.of_post(post, [Evidence(url=post.capture.source, body=body)])


def index_keys(archive: Archive) -> list[str]:
    with archive.engine.connect() as connection:
        return list(connection.execute(text("SELECT key FROM posts_fts ORDER BY key")).scalars())


def test_changed_posts_replace_their_own_entries_only(
    home: Path, open_archive: OpenArchive
) -> None:
    first = [make_post(f"100000000000000000{n}", text=f"Gauge {n} reads low") for n in range(3)]
    with open_archive(home) as archive:
        archive.add([observe(post, b"<html>one</html>") for post in first])
        edited = make_post(
            "1000000000000000001",
            text="Gauge 1 reads high",
            method="api",
            source="https://cdn.example/tweet-result?id=1",
            raw=b"{}",
        )
        archive.add([observe(edited, b"{}")])

        assert [row.key for row in archive.search("high")] == ["twitter:1000000000000000001"]
        assert sorted(row.key for row in archive.search("low")) == [
            "twitter:1000000000000000000",
            "twitter:1000000000000000002",
        ]
        assert index_keys(archive) == [
            "twitter:1000000000000000000",
            "twitter:1000000000000000001",
            "twitter:1000000000000000002",
        ]


# -- one syntax, one order, on both engines ---------------------------------------------------

#: Invented posts shaped like flood-warning tweets, with words repeated and documents of
#: different lengths, so that ranking has something to tell apart.
SHARED = {
    "1": "Flood warning for the river Esk: flood water rising near the flood barrier",
    "2": "Flood barrier holds on the river Esk",
    "3": "Storm surge expected tonight; sandbags at the fire hall",
    "4": "The café on Quay Street is closed because of the storm",
    "5": "Floodgates shut at dawn, river levels falling slowly across the whole valley today",
    "6": "A long day: volunteers, drivers and anyone with a boat met at the rowing club to "
    "help neighbours whose houses on the low streets by the river took water overnight",
    "7": "It’s over: the barrier held and the river is back within its banks",
}
QUERIES = {
    "flood": ["1", "2"],
    "flood*": ["1", "2", "5"],
    "river esk": ["2", "1"],
    '"flood barrier"': ["2", "1"],
    '"barrier flood"': [],
    "storm OR sandbags": ["3", "4"],
    "river OR storm closed": ["4"],
    "fire storm OR sandbags": ["3"],
    "cafe": ["4"],
    "it's": ["7"],
    "covid-19": [],
    # Every post matches: shorter ones first, as BM25 saturates and scales by length.
    "river": ["2", "1", "5", "7", "6"],
    "coast": ["2", "3", "4", "1", "5", "7", "6"],
}


def test_the_query_syntax_and_ranking_are_the_same_on_both_engines(
    open_archive: OpenArchive, home: Path
) -> None:
    author = {"name": "Coast Desk", "handle": "coastdesk"}
    posts = [
        make_post(f"20000000000000000{key}", text=text, author=author)
        for key, text in SHARED.items()
    ]
    with open_archive(home) as archive:
        archive.add([observe(post, b"<html>shared</html>") for post in posts])
        found = {
            query: [
                row.key.removeprefix("twitter:20000000000000000") for row in archive.search(query)
            ]
            for query in QUERIES
        }
    assert found == QUERIES


#: Invented tide-gauge posts: one word three times, one twice, then posts that rank equal.
TIDES = {
    "01": "tide tide tide",
    "10": "tide tide gauge reads",
    **{f"0{n}": f"tide gauge reads {word}" for n, word in enumerate("abcdefgh", 2)},
}


def test_more_matches_than_the_limit_give_the_best_then_equal_ranks_by_key(
    open_archive: OpenArchive, home: Path
) -> None:
    """The cut at the limit falls among equal ranks: those kept are the first by key."""
    with open_archive(home) as archive:
        for key in sorted(TIDES, reverse=True):  # added last key first: rowids against key order
            post = make_post(f"30000000000000000{key}", text=TIDES[key])
            archive.add([observe(post, b"<html>tide</html>")])

        def top(limit: int) -> list[str]:
            found = archive.search("tide", limit=limit)
            return [row.key.removeprefix("twitter:30000000000000000") for row in found]

        assert top(1) == ["01"]
        assert top(2) == ["01", "10"]
        assert top(5) == ["01", "10", "02", "03", "04"]
        assert top(50) == ["01", "10", "02", "03", "04", "05", "06", "07", "08", "09"]
        assert top(0) == []
