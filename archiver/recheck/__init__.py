"""Rechecking stored posts: are they still there, were they edited, and if gone, why and since when.

People archive because posts disappear. :func:`recheck` takes a :class:`Selection` of
stored posts, fetches each again through the HTTP layer, and appends one check row per
post (``available``, ``changed``, ``deleted``, ``private``, ``suspended``,
``unavailable`` or ``error``) without ever rewriting an earlier one. See docs/recheck.md.
"""

from archiver.recheck.outcomes import Verdict, classify, outcome_for_reason
from archiver.recheck.report import ReportError, report_format, write_report
from archiver.recheck.runner import (
    CheckReport,
    RecheckPlan,
    RecheckSummary,
    plan_recheck,
    recheck,
    run_recheck,
)
from archiver.recheck.selection import Selection, SelectionError, parse_cutoff

__all__ = [
    "CheckReport",
    "RecheckPlan",
    "RecheckSummary",
    "ReportError",
    "Selection",
    "SelectionError",
    "Verdict",
    "classify",
    "outcome_for_reason",
    "parse_cutoff",
    "plan_recheck",
    "recheck",
    "report_format",
    "run_recheck",
    "write_report",
]
