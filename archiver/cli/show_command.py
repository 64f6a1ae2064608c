"""``show``: one post as a whole, its record, captures, checks, screenshots, the version it
was first cited in beside a later one, and the citations between articles and posts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from archiver.cli.archive_commands import differ_text
from archiver.cli.common import (
    ConfigOption,
    HomeOption,
    JsonOption,
    WideOption,
    command,
    err,
    fail,
    out,
    print_json,
    runtime,
)
from archiver.cli.tables import Column, print_table, short_time
from archiver.cli.terminal import data

if TYPE_CHECKING:  # the library is imported by the command that uses it (fast start)
    from archiver.export.versions import Versions
    from archiver.store.checks import PostState
    from archiver.store.citations import CitedPost


@command(
    help="Show one post: its record, every capture and check, copies found, and the posts "
    "it cites (an article) or the articles citing it."
)
def show(
    key: Annotated[str, typer.Argument(help="platform:post_id, or the post's URL.")],
    wide: WideOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:

    from archiver.cli.recheck_commands import history_json, print_history
    from archiver.export.selection import find_row, missing_blobs
    from archiver.export.versions import versions_of
    from archiver.recheck.history import post_history
    from archiver.store import citations
    from archiver.store.checks import reason_of, state_text, states_of
    from archiver.store.screenshots import screenshots_for

    rt = runtime(home, config)
    with rt.open_archive(write=False) as archive:
        row = find_row(archive, key)
        if row is None:
            fail(f"no stored post {key!r}; `archiver list` shows what the archive holds")
        captures = archive.captures(row.key)
        media = archive.media(row.key)
        history = post_history(archive, row.key)
        shots = [shot.to_json() for shot in screenshots_for(archive, [row.key]).get(row.key, [])]
        state = states_of(archive, [row.key])[row.key].state
        cites = citations.cited_in(archive, row.key)
        cited_by = citations.citing(archive, row.key)
        cited_states = states_of(archive, [c.post_key for c in cites if c.status is not None])
        changed = versions_of(row, captures)
        for missing in missing_blobs(archive, captures, media):
            err.print("[yellow]warning[/]:", data(missing))
    record = json.loads(row.record_json) if row.record_json else None
    capture_dicts = [
        {
            "id": c.id,
            "captured_at": c.captured_at,
            "method": c.method,
            "source": c.source,
            "status": c.status,
            "detail": c.status_detail,
            "http_status": c.http_status,
            "raw_sha256": c.raw_sha256,
            "content_hash": c.content_hash,
            "evidence": json.loads(c.evidence_json),
        }
        for c in captures
    ]
    if as_json:
        print_json(
            {
                "key": row.key,
                "status": state,
                "reason": reason_of(row.status),
                "status_detail": row.status_detail,
                "record": record,
                "captures": capture_dicts,
                "media": [m.model_dump() for m in media],
                "screenshots": shots,
                "changed_since_cited": changed.to_json() if changed else None,
                **history_json(history),
                "cites": [
                    {
                        "key": c.post_key,
                        "url": c.url,
                        "how": c.how,
                        "status": known.state if (known := cited_states.get(c.post_key)) else None,
                        "reason": reason_of(c.status) if c.status else None,
                    }
                    for c in cites
                ],
                "cited_in": [c.article_key for c in cited_by],
            }
        )
        return
    out.print(data(row.key, style="bold"), "", data(row.url))
    out.print("status:", data(state_text(state, row.status, row.status_detail)))
    if record:
        author = record["author"]
        out.print("author:", data(f"{author.get('name') or ''} @{author.get('handle') or ''}"))
        out.print("date:", data(record.get("created_at") or "unknown"))
        if record.get("title"):
            out.print("title:", data(record["title"]))
        # Indented, so a line of the post cannot pass for one of these ("status: deleted").
        text = (record.get("text") or "(no text)").replace("\r\n", "\n").split("\n")
        out.print("text:")
        out.print(data("\n".join(f"  {line}" for line in text), lines=True))
        for item in record.get("media", []):
            out.print("media:", data(f"{item['kind']} {item['url']}"))
        out.print("content hash:", data(row.content_hash))
    if changed is not None:
        _print_versions(changed)
    print_table(
        out,
        [
            Column("#", "number"),
            Column("captured at", "time"),
            Column("method", "word"),
            Column("status", "word"),
            Column("raw sha256", "hash", 13),
            Column("content hash", "hash", 20),
            Column("source", "text"),
        ],
        [
            (
                c["id"],
                c["captured_at"],
                c["method"],
                c["status"],
                c["raw_sha256"],
                c["content_hash"],
                c["source"],
            )
            for c in capture_dicts
        ],
        title="captures",
        wide=wide,
    )
    for shot in shots:
        how = "" if shot["settled"] else " (shot at the deadline, still loading)"
        what = f"sha256 {shot['sha256']}" if shot["sha256"] else f"none: {shot['error']}"
        out.print("screenshot:", data(f"{shot['taken_at']} {what} of {shot['url']}{how}"))
    print_history(history, wide=wide)
    _print_citations(cites, cited_states, cited_by, wide)


def _print_versions(changed: Versions) -> None:
    """Both versions of a post changed since cited, side by side."""
    out.print(
        Text.assemble(
            ("changed since cited", "yellow"),
            f": {differ_text(changed.fields)} from the version first archived",
        )
    )
    columns = [Column("", "word")]
    for capture, label in ((changed.cited, "first archived"), (changed.later, "later")):
        when = f"{label} {short_time(capture.captured_at)} ({capture.method}, #{capture.id})"
        columns.append(Column(when, "text"))
    print_table(out, columns, changed.side_by_side(), wide=True)


def _print_citations(
    cites: list[CitedPost], states: dict[str, PostState], cited_by: list[CitedPost], wide: bool
) -> None:
    """What an article cites (embeds, then links), and which articles cite a post."""

    from archiver.store.checks import state_text

    if cites:
        rows = []
        for number, c in enumerate(cites, 1):
            state = states.get(c.post_key)
            shown = (
                state_text(state.state, c.status, None)
                if state is not None and c.status is not None
                else "not archived (its fetch failed; add the article again)"
            )
            rows.append((number, c.how, c.post_key, shown, c.url))
        columns = [
            Column("#", "number"),
            Column("how", "word"),
            Column("key", "key"),
            Column("status", "name"),
            Column("url", "text"),
        ]
        print_table(out, columns, rows, title=f"cites {len(cites)} post(s)", wide=wide)
    for c in cited_by:
        out.print("cited in:", data(c.article_key), f"({c.how})")
