"""A post whose live version says other words than the article's embed: flagged changed
since cited in ``add``, ``show``, ``status``, ``list --changed``, ``cite`` and the bundle's
page, with both versions kept. The article is ``fixtures/twitter/embeds/edited-since.html``;
the local replay server answers for X with the post as it reads now."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.e2e.posts import X_ID, X_KEY
from tests.e2e.replay import Replay, fixture
from tests.e2e.stored import captures, posts, run_cli

ARTICLE = Path(__file__).resolve().parents[2] / "fixtures/twitter/embeds/edited-since.html"
EMBEDDED = "Flood gauges on the Ráðhús bridge just hit 4.8 m 🌊 — highest ever recorded."


def test_a_live_fetch_that_reads_differently_flags_the_post_and_keeps_both_versions(
    replay: Replay, replay_config: Path, home: Path, tmp_path: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))

    added = run_cli("add", "--fetch", ARTICLE, "--json", home=home, config=replay_config)

    assert added.exit_code == 0, added.output
    assert added.summary()["changed_since_cited"] == [{"key": X_KEY, "fields": ["text"]}]
    embed, live = captures(home, X_KEY)
    assert (embed["method"], live["method"]) == ("embed-html", "api")
    assert embed["record"]["text"].startswith(EMBEDDED)  # the cited version is kept
    stored = posts(home)[X_KEY]
    assert stored["differs_fields"] == "text" and stored["differs_capture_id"] == live["id"]
    assert "4.2 m" in stored["record"]["text"]

    shown = json.loads(run_cli("show", X_KEY, "--json", home=home).stdout)
    change = shown["changed_since_cited"]
    assert change["fields"] == ["text"]
    assert (change["cited"]["capture"], change["later"]["capture"]) == (embed["id"], live["id"])
    side_by_side = run_cli("show", X_KEY, home=home).stdout
    assert "changed since cited: text differs from the version first archived" in side_by_side
    assert "highest ever recorded" in side_by_side and "4.2 m" in side_by_side

    listed = [
        json.loads(line)
        for line in run_cli("list", "--changed", "--json", home=home).stdout.splitlines()
    ]
    assert [(row["key"], row["changed_since_cited"]) for row in listed] == [(X_KEY, ["text"])]
    status = json.loads(run_cli("status", "--json", home=home).stdout)
    assert status["changed_since_cited"] == 1

    cited = run_cli("cite", X_KEY, "--style", "apa", home=home)
    assert f"version captured {live['captured_at'][:16].replace('T', ' ')} UTC" in cited.stdout
    assert "changed since cited (text)" in cited.stderr

    bundle = tmp_path / "bundle.zip"
    exported = run_cli("export", "--all", "--out", bundle, home=home)
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(bundle) as archive:
        [page] = [name for name in archive.namelist() if name.endswith("data/index.html")]
        html = archive.read(page).decode()
    assert "Changed since cited" in html
    assert "highest ever recorded" in html and "4.2 m" in html
    verified = run_cli("verify", bundle)
    assert verified.exit_code == 0, verified.output  # the page still matches its records


def test_adding_the_article_again_changes_nothing_and_reports_nothing_new(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    first = run_cli("add", "--fetch", ARTICLE, home=home, config=replay_config)
    assert f"changed since cited {X_KEY}: text differs from the version first archived" in (
        first.stdout
    )

    again = run_cli("add", "--fetch", ARTICLE, "--json", home=home, config=replay_config)

    assert again.exit_code == 0, again.output
    assert again.summary()["changed_since_cited"] == []
    assert posts(home)[X_KEY]["differs_fields"] == "text"
