"""The baseline of ``bench_scale.py``: each query an archiver command runs, done with
Python's bare ``sqlite3`` module, as a whole process that imports nothing else.

    python bench/scale_raw.py OPERATION ARCHIVE.DB [ARGUMENT]

It reads what the command reads and writes what it writes (JSON Lines where the command
writes JSON Lines, a line per post where it prints a table), so the difference between
the two is what archiver adds: start-up, typed rows, rendering.
"""

from __future__ import annotations

import json
import sqlite3
import sys

COLUMNS = "key, platform, url, author_handle, author_name, created_at, status, text, capture_count"
RECORD = (
    "COALESCE(posts.record_json, "
    "(SELECT c.record_json FROM captures c WHERE c.id = posts.record_capture_id))"
)
PAGE = 500


def _summary(row: tuple) -> dict:
    key, platform, url, handle, name, created, status, text, captures = row
    return {
        "key": key,
        "platform": platform,
        "url": url,
        "author": handle or name,
        "created_at": created,
        "status": status,
        "text": text,
        "captures": captures,
    }


def list_json(db: sqlite3.Connection, _arg: str) -> None:
    write = sys.stdout.write
    for row in db.execute(f"SELECT {COLUMNS} FROM posts ORDER BY created_at, key"):
        write(json.dumps(_summary(row), ensure_ascii=False) + "\n")


def list_limit(db: sqlite3.Connection, limit: str) -> None:
    query = f"SELECT {COLUMNS} FROM posts ORDER BY created_at, key LIMIT ?"
    for row in db.execute(query, (int(limit),)):
        print("\t".join(str(value) for value in row))


def search(db: sqlite3.Connection, word: str) -> None:
    keys = [
        key
        for (key,) in db.execute(
            "SELECT key FROM posts_fts WHERE posts_fts MATCH ? ORDER BY bm25(posts_fts) LIMIT 50",
            (f'"{word}"',),
        )
    ]
    rows = {
        row[0]: row
        for row in db.execute(
            f"SELECT {COLUMNS} FROM posts WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),),
        )
    }
    for key in keys:
        print("\t".join(str(value) for value in rows[key]))


def status(db: sqlite3.Connection, _arg: str) -> None:
    last = "SELECT c.outcome FROM checks c WHERE c.post_key = posts.key"
    counts = db.execute(
        "SELECT platform, status, last_definitive = 'changed', last_any, COUNT(*) FROM ("
        f"SELECT posts.platform, posts.status, ({last} AND c.outcome != 'error' "
        f"ORDER BY c.id DESC LIMIT 1) AS last_definitive, ({last} ORDER BY c.id DESC LIMIT 1) "
        "AS last_any FROM posts) GROUP BY 1, 2, 3, 4"
    ).fetchall()
    (run,) = db.execute("SELECT MAX(run_id) FROM checks").fetchone()
    outcomes = db.execute(
        "SELECT outcome, COUNT(*) FROM checks WHERE run_id = ? GROUP BY outcome", (run,)
    ).fetchall()
    gone = "('deleted', 'private', 'suspended', 'unavailable')"
    newly = (
        f"c.run_id = ? AND c.outcome IN {gone} AND "
        f"(c.previous_outcome IS NULL OR c.previous_outcome NOT IN {gone})"
    )
    (count,) = db.execute(f"SELECT COUNT(*) FROM checks c WHERE {newly}", (run,)).fetchone()
    first = db.execute(
        f"SELECT c.post_key, posts.url FROM checks c JOIN posts ON posts.key = c.post_key "
        f"WHERE {newly} ORDER BY c.id LIMIT 20",
        (run,),
    ).fetchall()
    print(counts, outcomes, count, first)


def export(db: sqlite3.Connection, platform: str) -> None:
    """The posts of one platform with their records, captures and media, as JSON Lines."""
    write = sys.stdout.write
    posts = db.execute(
        f"SELECT key, {RECORD} FROM posts WHERE platform = ? ORDER BY created_at, key",
        (platform,),
    )
    while page := posts.fetchmany(PAGE):
        keys = json.dumps([key for key, _ in page])
        captures: dict[str, list] = {}
        for row in db.execute(
            "SELECT * FROM captures WHERE post_key IN (SELECT value FROM json_each(?)) ORDER BY id",
            (keys,),
        ):
            captures.setdefault(row[1], []).append(row)
        media: dict[str, list] = {}
        for row in db.execute(
            "SELECT * FROM media WHERE post_key IN (SELECT value FROM json_each(?)) ORDER BY id",
            (keys,),
        ):
            media.setdefault(row[1], []).append(row)
        for _, record in page:
            if record:
                write(record + "\n")


OPERATIONS = {
    "list-json": list_json,
    "list-limit": list_limit,
    "search": search,
    "status": status,
    "export": export,
}

if __name__ == "__main__":
    operation, path = sys.argv[1], sys.argv[2]
    argument = sys.argv[3] if len(sys.argv) > 3 else ""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    OPERATIONS[operation](connection, argument)
