"""Check history in the store: recheck runs, their append-only check rows, and found copies.

A check is written once and never changed, so the history of a post (when it was
last seen, when it was first seen gone, why) can always be read back. The post row's
``status`` follows the latest *definitive* check; an ``error`` check (archiver could
not tell) never touches it. When a post was first seen gone is derived from the checks,
not stored twice.

Functions take the :class:`~archiver.store.archive.Archive` so ``archive.py`` stays about
posts and captures; queries over many posts live in :mod:`archiver.store.check_queries`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from archiver.record import utc_now
from archiver.store.archive import Archive
from archiver.store.reads import keys_sql
from archiver.store.tables import CheckRow, CopyRow, RecheckRun
from archiver.vocabulary import GONE_STATES, STATES

#: Every outcome a check can have: the states a check can find, or ``error``.
OUTCOMES: tuple[str, ...] = (
    *(state for state in STATES if state not in ("unchecked", "other")),
    "error",
)
#: Outcomes that say the post cannot be seen.
GONE: tuple[str, ...] = GONE_STATES
#: Outcomes that say the post can be seen.
SEEN: tuple[str, ...] = ("available", "changed")

#: A post row's ``status`` (``archived`` or a platform reason) → the outcome it stands for.
STATUS_OUTCOME: dict[str, str] = {
    "archived": "available",
    "deleted": "deleted",
    "not_found": "deleted",
    "private": "private",
    "suspended": "suspended",
    "login_required": "unavailable",
    "region_locked": "unavailable",
    "embedding_disabled": "unavailable",
    "age_restricted": "unavailable",
}


def outcome_of_status(status: str) -> str | None:
    """The outcome a stored post status stands for; None for one that says nothing (blocked)."""
    return STATUS_OUTCOME.get(status)


def statuses_of(outcome: str) -> list[str]:
    """The post statuses that stand for ``outcome`` (``gone`` = every gone outcome)."""
    wanted = set(GONE) if outcome == "gone" else {outcome}
    return sorted(status for status, kind in STATUS_OUTCOME.items() if kind in wanted)


def sql_in(values: Iterable[str]) -> str:
    """A SQL ``IN`` list of fixed vocabulary words (never user input)."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


# -- derived facts, as SQL over a post row aliased ``posts`` ---------------------------------

#: The outcome of the post's latest check of any kind (NULL when never checked).
LAST_CHECK_SQL = (
    "(SELECT c.outcome FROM checks c WHERE c.post_key = posts.key ORDER BY c.id DESC LIMIT 1)"
)
#: The outcome of the post's latest definitive check (errors skipped).
LAST_DEFINITIVE_SQL = (
    "(SELECT c.outcome FROM checks c WHERE c.post_key = posts.key "
    "AND c.outcome != 'error' ORDER BY c.id DESC LIMIT 1)"
)
#: When the post was first seen gone in its current absence: the earliest gone check after
#: the last check that saw it. NULL when it is not gone by its checks.
FIRST_GONE_SQL = (
    f"(SELECT MIN(g.checked_at) FROM checks g WHERE g.post_key = posts.key "
    f"AND g.outcome IN {sql_in(GONE)} AND g.id > COALESCE((SELECT MAX(a.id) FROM checks a "
    f"WHERE a.post_key = posts.key AND a.outcome IN {sql_in(SEEN)}), 0))"
)


#: The post's state (:data:`archiver.vocabulary.STATES`): ``unchecked`` until a check has
#: seen it, ``changed`` when its latest definitive check saw an edit, otherwise what its
#: stored status stands for (``other`` for a status that says nothing, like ``blocked``).
def state_sql(status: str = "posts.status", last_definitive: str = LAST_DEFINITIVE_SQL) -> str:
    """The state as SQL over a stored status and the latest definitive outcome, given as
    SQL expressions (by default a post row's own; a grouped query passes its columns)."""
    return (
        f"CASE WHEN {status} = 'archived' AND {last_definitive} IS NULL THEN 'unchecked' "
        f"WHEN {status} = 'archived' AND {last_definitive} = 'changed' THEN 'changed' "
        f"ELSE CASE {status} "
        + " ".join(f"WHEN '{status}' THEN '{state}'" for status, state in STATUS_OUTCOME.items())
        + " ELSE 'other' END END"
    )


STATE_SQL = state_sql()


def status_sql(value: str, *, use_index: bool = True) -> tuple[str, dict[str, Any]]:
    """A SQL filter on posts for ``--status``: a state, ``gone`` or ``error``.

    The value must be one of :data:`archiver.vocabulary.STATUS_FILTERS` (checked by
    :func:`archiver.vocabulary.status_filter`); ``--status S`` selects exactly the posts
    every command shows as ``S``. ``error`` is a post whose latest check failed.
    ``use_index=False`` keeps SQLite off the status index (for queries walking the keys).
    """
    column = "posts.status" if use_index else "+posts.status"
    if value == "error":
        return f"{LAST_CHECK_SQL} = 'error'", {}
    if value == "gone" or value in GONE:
        return f"{column} IN {sql_in(statuses_of(value))}", {}
    if value == "other":
        return f"{column} NOT IN {sql_in(STATUS_OUTCOME)}", {}
    if value in ("unchecked", "available", "changed"):
        last = {"unchecked": "IS NULL", "available": "= 'available'", "changed": "= 'changed'"}
        return f"{column} = 'archived' AND {LAST_DEFINITIVE_SQL} {last[value]}", {}
    raise ValueError(f"not a status filter: {value!r}")


@dataclass(frozen=True)
class PostState:
    """A post's status word and when a check last saw it (None: never)."""

    state: str
    last_checked_at: str | None


#: When the post's latest definitive check answered (NULL when none has).
LAST_CHECKED_SQL = (
    "(SELECT MAX(c.checked_at) FROM checks c WHERE c.post_key = posts.key AND c.outcome != 'error')"
)


def states_of(archive: Archive, keys: Sequence[str], page: int = 500) -> dict[str, PostState]:
    """The state of each post in ``keys`` (one query a page), as every command shows it."""
    query = text(
        f"SELECT posts.key, {STATE_SQL}, {LAST_CHECKED_SQL} FROM posts WHERE posts.key IN :keys"
    ).bindparams(bindparam("keys", expanding=True))
    found: dict[str, PostState] = {}
    with archive.engine.connect() as connection:
        for start in range(0, len(keys), page):
            chunk = list(keys[start : start + page])
            for key, state, checked_at in connection.execute(query, {"keys": chunk}):
                found[key] = PostState(state, checked_at)
    return found


def reason_of(status: str) -> str | None:
    """The platform's reason behind a state (``not_found``), None for a post seen there."""
    return None if status == "archived" else status


def state_text(state: str, status: str, detail: str | None) -> str:
    """``deleted (not_found, This Post was deleted by the Post author.)`` for people."""
    reason = reason_of(status)
    because = ", ".join(filter(None, (reason if reason != state else None, detail)))
    return state + (f" ({because})" if because else "")


def gone_since_sql(moment: str) -> tuple[str, dict[str, Any]]:
    """Posts first seen gone (in their current absence) on or after ``moment`` (ISO)."""
    return f"{FIRST_GONE_SQL} >= :gone_since", {"gone_since": moment}


# -- runs ------------------------------------------------------------------------------------


def selection_key(selection_json: str) -> str:
    return hashlib.sha256(selection_json.encode()).hexdigest()


def start_run(archive: Archive, selection_json: str) -> RecheckRun:
    """A new run of ``selection_json``; its baseline is the newest capture right now."""
    with Session(archive.engine) as session:
        newest = session.connection().execute(text("SELECT MAX(id) FROM captures")).scalar()
        run = RecheckRun(
            started_at=utc_now(),
            selection_json=selection_json,
            selection_key=selection_key(selection_json),
            baseline_capture_id=int(newest or 0),
        )
        session.add(run)
        session.commit()
        session.refresh(run)
        return run


def unfinished_run(archive: Archive, selection_json: str) -> RecheckRun | None:
    """The latest interrupted run of the same selection, if any."""
    with Session(archive.engine) as session:
        query = (
            select(RecheckRun)
            .where(RecheckRun.selection_key == selection_key(selection_json))
            .where(RecheckRun.state == "running")
            .order_by(col(RecheckRun.id).desc())
        )
        return session.exec(query).first()


def end_run(archive: Archive, run_id: int, state: str = "finished") -> None:
    """Mark a run ``finished`` (or ``abandoned`` when --restart supersedes it)."""
    with archive.engine.begin() as connection:
        connection.execute(
            text("UPDATE recheck_runs SET state = :s, finished_at = :t WHERE id = :id"),
            {"s": state, "t": utc_now(), "id": run_id},
        )


def get_run(archive: Archive, run_id: int) -> RecheckRun | None:
    with Session(archive.engine) as session:
        return session.get(RecheckRun, run_id)


def latest_run(archive: Archive) -> RecheckRun | None:
    """The most recent run that checked at least one post."""
    with Session(archive.engine) as session:
        query = text("SELECT MAX(run_id) FROM checks")
        run_id = session.connection().execute(query).scalar()
        return session.get(RecheckRun, run_id) if run_id is not None else None


def run_counts(archive: Archive, run_id: int) -> dict[str, int]:
    """Checks of one run by outcome."""
    with archive.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT outcome, COUNT(*) FROM checks WHERE run_id = :r GROUP BY outcome"),
            {"r": run_id},
        )
        return {outcome: count for outcome, count in rows}


# -- writing checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCheck:
    """One check to append (see :class:`~archiver.store.tables.CheckRow` for the fields)."""

    post_key: str
    run_id: int
    checked_at: str
    outcome: str
    previous_outcome: str | None = None
    http_status: int | None = None
    reason: str | None = None
    detail: str | None = None
    method: str | None = None
    source: str | None = None
    content_hash: str | None = None
    raw_sha256: str | None = None
    capture_id: int | None = None
    warc_file: str | None = None
    warc_offset: int | None = None


@dataclass(frozen=True)
class StatusChange:
    """A post's new status after a definitive check."""

    key: str
    status: str
    detail: str | None


def write_checks(
    archive: Archive,
    checks: Sequence[NewCheck],
    statuses: Sequence[StatusChange] = (),
    *,
    then: Callable[[Connection], None] | None = None,
) -> None:
    """Append ``checks`` and apply ``statuses`` in one transaction, ``then`` in it too (a
    shared archive's claims on the checked posts marked done with their checks)."""
    if not checks and not statuses:
        return
    with archive.engine.begin() as connection:
        if checks:  # vars(): a shallow view is all executemany needs (asdict copies deeply)
            connection.execute(insert(CheckRow), [vars(check) for check in checks])
        if statuses:
            connection.execute(
                text("UPDATE posts SET status = :status, status_detail = :detail WHERE key = :key"),
                [vars(change) for change in statuses],
            )
        if then is not None:
            then(connection)


CaptureIdentity = tuple[str, str, str, str]


def capture_ids(archive: Archive, keys: Sequence[str]) -> dict[CaptureIdentity, int]:
    """Capture ids of ``keys`` by (post_key, method, source, raw_sha256), their unique identity."""
    if not keys:
        return {}
    where, params = keys_sql(keys, "post_key")
    query = text(f"SELECT post_key, method, source, raw_sha256, id FROM captures WHERE {where}")
    with archive.engine.connect() as connection:
        return {tuple(row[:4]): int(row[4]) for row in connection.execute(query, params)}  # type: ignore[misc]


# -- one post's history ----------------------------------------------------------------------


def checks_of(archive: Archive, key: str) -> list[CheckRow]:
    """Every check of a post, oldest first."""
    with Session(archive.engine) as session:
        query = select(CheckRow).where(CheckRow.post_key == key).order_by(col(CheckRow.id))
        return list(session.exec(query))


def first_gone_at(archive: Archive, key: str) -> str | None:
    """When the post was first seen gone in its current absence (None when it is not gone)."""
    with archive.engine.connect() as connection:
        query = text(f"SELECT {FIRST_GONE_SQL} FROM posts WHERE posts.key = :k")
        value = connection.execute(query, {"k": key}).scalar()
        return str(value) if value is not None else None


# -- copies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundCopy:
    post_key: str
    source: str
    url: str
    archived_at: str | None
    found_at: str


def add_copies(archive: Archive, copies: Sequence[FoundCopy]) -> int:
    """Record copies, ignoring any already known for the same post and URL; how many were new."""
    if not copies:
        return 0
    statement = text(
        "INSERT INTO copies (post_key, source, url, archived_at, found_at) "
        "VALUES (:post_key, :source, :url, :archived_at, :found_at) ON CONFLICT DO NOTHING"
    )
    with archive.engine.begin() as connection:
        result = connection.execute(statement, [asdict(copy) for copy in copies])
    return max(0, int(result.rowcount))


def copies_of(archive: Archive, key: str) -> list[CopyRow]:
    """Known copies of a post, oldest archived first."""
    with Session(archive.engine) as session:
        query = (
            select(CopyRow)
            .where(CopyRow.post_key == key)
            .order_by(col(CopyRow.archived_at), col(CopyRow.id))
        )
        return list(session.exec(query))


def row_dict(row: Any) -> dict[str, Any]:
    """A table row as a JSON-ready dict (for ``--json`` output)."""
    return dict(row.model_dump())
