"""This process as one of several workers rechecking one run of a PostgreSQL archive.

Posts are claimed in batches (:mod:`archiver.store.claims`) instead of walked, and marked
done once their checks are written; a worker goes on while it claims posts or others hold
claims that may come free (their worker killed), so no post of the run is left unchecked
and none is checked twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archiver.store import Archive, claims
from archiver.store.check_queries import Target, claimed_targets

if TYPE_CHECKING:
    from archiver.recheck.runner import RecheckPlan


@dataclass
class Sharing:
    """One worker's share of run ``run_id``."""

    run_id: int
    lease_seconds: float
    #: Posts claimed at a time.
    size: int
    worker: str = field(default_factory=claims.worker_name)

    @property
    def kind(self) -> str:
        return f"recheck:{self.run_id}"

    def targets(self, archive: Archive, plan: RecheckPlan) -> Iterator[Target]:
        return claimed_targets(
            archive,
            plan.post_filter,
            plan.run.baseline_capture_id,
            kind=self.kind,
            worker=self.worker,
            lease_seconds=self.lease_seconds,
            page_size=self.size,
        )

    def finish(self, archive: Archive, keys: list[str]) -> None:
        with archive.engine.connect() as connection:
            claims.finish(connection, self.kind, keys)

    def keep_going(self, archive: Archive, claimed: int) -> bool:
        """Another pass: this one claimed posts, or other workers still hold some."""
        if claimed:
            return True
        with archive.engine.connect() as connection:
            return claims.outstanding(connection, self.kind, self.worker) > 0
