"""Acceptance of adding an article, as a journalist citing its posts meets it.

``archiver add ARTICLE-URL`` against a local server that serves a saved article page
(``fixtures/articles/cited-posts.html``: two embeds, four posts linked in its prose, and
posts linked from its header, share bar, author bio, comments, related rail and footer)
and answers like the platforms. The article is stored as a page, every post it embeds or
links to in its body is fetched live and linked to it, the chrome is never fetched, one
post that answers 404 and one whose host never answers in time are reported while the
rest carry on; ``show``,
``list --cited-in`` and ``export --cited-in`` then ``verify`` read the link back. The same
page saved to disk and added with ``--fetch`` gives the same citations.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.e2e.posts import BSKY_DID, BSKY_KEY, X_ID, X_KEY
from tests.e2e.replay import Answer, Replay, fixture, write_config
from tests.e2e.stored import captures, posts, run_cli

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "fixtures" / "articles" / "cited-posts.html"
PATH = "/news/2026/01/who-said-what/"
NOTE_ID = "2009896798101400706"  # fixtures/twitter/responses/ok-long-note.200.json
DELETED_ID = "2009100000000000404"
FAILING_ID = "2009200000000000503"
REDDIT_KEY = "reddit:1c9k2mf"
#: Posts the page links to outside its body: never fetched, never cited.
CHROME_IDS = (
    "2008800000000000001",  # the header's pinned post
    "2008800000000000002",  # the share bar
    "2007000000000000003",  # the author's bio
    "2009300000000000004",  # a comment
    "2008800000000000005",  # the footer
)
#: (key, how, stored status): what ``show ARTICLE`` lists, in the article's order.
CITED = [
    (X_KEY, "embed", "archived"),
    (BSKY_KEY, "embed", "archived"),
    (f"twitter:{NOTE_ID}", "link", "archived"),
    (REDDIT_KEY, "link", "archived"),
    (f"twitter:{DELETED_ID}", "link", "not_found"),
    (f"twitter:{FAILING_ID}", "link", None),
]
#: The same as the status vocabulary words them.
STATES = {"archived": "unchecked", "not_found": "deleted", None: None}


@pytest.fixture
def config(replay: Replay, tmp_path: Path) -> Path:
    """The platforms on the replay server; the article's own host is loopback, which the
    address guard refuses unless private addresses are allowed."""
    return write_config(
        tmp_path / "config.toml",
        replay.base_url,
        network={"allow_private_addresses": True},
        http={"max_attempts": 2, "timeout_seconds": 1.0},
    )


def serve_platforms(replay: Replay) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.twitter(NOTE_ID, fixture("twitter", "ok-long-note.200.json"))
    replay.twitter(DELETED_ID, fixture("twitter", "not-found.404.txt"))
    replay.twitter(FAILING_ID, Answer.hang())
    replay.twitter_oembed("alder_ferries", FAILING_ID, Answer.hang())
    for actor in (BSKY_DID, "ilse.bsky.social"):
        replay.bluesky(actor, "3lp3gy6ehhc4g", fixture("bluesky", "ok-images.200.json"))
    replay.reddit("1c9k2mf", fixture("reddit", "self-post.200.json"))


def cited(home: Path, article: str, config: Path) -> list[tuple[str, str, str | None]]:
    """What ``show --json`` says the article cites, as (key, how, stored status)."""
    shown = run_cli("show", article, "--json", home=home, config=config)
    assert shown.exit_code == 0, shown.output
    cites = json.loads(shown.stdout)["cites"]
    assert [c["status"] for c in cites] == [STATES[status] for _, _, status in CITED]
    return [(c["key"], c["how"], c["reason"] or (c["status"] and "archived")) for c in cites]


def test_an_article_url_stores_the_article_and_every_post_it_cites(
    replay: Replay, home: Path, config: Path, tmp_path: Path
) -> None:
    replay.on(PATH, Answer.html(PAGE.read_text(encoding="utf-8")))
    serve_platforms(replay)
    article = replay.url(PATH)
    article_key = f"web:{article}"

    run = run_cli("add", article, home=home, config=config)

    assert run.exit_code == 1, run.output  # one cited post failed
    failed = run.lines("failed")
    assert len(failed) == 1 and FAILING_ID in failed[0] and f"cited in {article}" in failed[0]
    stored = posts(home)
    assert stored[article_key]["title"] == "Flood night: who said what, and when"
    wanted = {key: status for key, _, status in CITED if status}
    assert {key: stored[key]["status"] for key in wanted} == wanted
    assert f"twitter:{FAILING_ID}" not in stored
    asked = " ".join(f"{seen.path}?{seen.query}" for seen in replay.seen)
    assert not [chrome for chrome in CHROME_IDS if chrome in asked]
    assert not any(key.endswith(CHROME_IDS) for key in stored)
    # The embed is kept as the article showed it, and the post as fetched live.
    methods = {c["method"] for c in captures(home, X_KEY)}
    assert methods == {"embed-html", "api"}, methods

    assert cited(home, article, config) == CITED
    shown = run_cli("show", X_KEY, home=home, config=config)
    assert f"cited in: {article_key}" in shown.stdout
    listed = run_cli("list", "--cited-in", article, "--json", home=home, config=config)
    keys = {json.loads(line)["key"] for line in listed.stdout.splitlines()}
    assert keys == {key for key, _, status in CITED if status}
    table = run_cli("list", "--cited-in", article_key, home=home, config=config)
    assert table.exit_code == 0 and table.stdout.startswith("key\tauthor\t")  # piped: plain
    assert len(table.stdout.splitlines()) == 1 + 5

    bundle = tmp_path / "article.zip"
    exported = run_cli("export", "--cited-in", article, "--out", bundle, home=home, config=config)
    assert exported.exit_code == 0, exported.output
    verified = run_cli("verify", bundle, config=config)
    assert verified.exit_code == 0, verified.output
    with zipfile.ZipFile(bundle) as archive:
        root = archive.namelist()[0].split("/")[0]
        records = archive.read(f"{root}/data/posts.jsonl").decode().splitlines()
        page = archive.read(f"{root}/data/index.html").decode()
    archived = {key for key, _, status in CITED if status == "archived"}
    assert {json.loads(line)["key"] for line in records} == archived | {article_key}
    assert "Posts cited in Flood night: who said what, and when" in page
    assert f'href="{article}"' in page

    # The next run of the same article fetches again what is not archived (the post that
    # failed, and the one not found, as any re-run does), and nothing archived.
    replay.twitter(FAILING_ID, fixture("twitter", "tombstone-deleted.200.json"))
    before = len(replay.seen)
    again = run_cli("add", article, "--json", home=home, config=config)
    assert again.exit_code == 0, again.output
    assert posts(home)[f"twitter:{FAILING_ID}"]["status"] == "deleted"
    asked_again = [f"{seen.path}?{seen.query}" for seen in replay.seen[before:]]
    assert {seen.query["id"] for seen in replay.seen[before:] if "id" in seen.query} == {
        DELETED_ID,
        FAILING_ID,
    }
    assert not [a for a in asked_again if any(n in a for n in ("bsky", "1c9k2mf", NOTE_ID, X_ID))]


def test_a_saved_article_added_with_fetch_gives_the_same_citations(
    replay: Replay, home: Path, config: Path
) -> None:
    serve_platforms(replay)
    article_key = "web:https://harbourledger.example/news/2026/01/who-said-what/"

    run = run_cli("add", "--fetch", PAGE, home=home, config=config)

    assert run.exit_code == 1, run.output
    stored = posts(home)
    assert stored[article_key]["title"] == "Flood night: who said what, and when"
    assert cited(home, article_key, config) == CITED
    assert cited(home, "https://harbourledger.example/news/2026/01/who-said-what/", config)
    assert not any(key.endswith(CHROME_IDS) for key in stored)


def test_an_unknown_article_is_one_line(home: Path, config: Path) -> None:
    run_cli("add", PAGE, home=home, config=config)
    listed = run_cli("list", "--cited-in", "https://nowhere.example/a", home=home, config=config)
    assert listed.exit_code == 2
    assert "no stored article 'https://nowhere.example/a'" in listed.stderr
