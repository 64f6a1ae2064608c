"""Rechecking stored posts: are they still there, were they edited, and if gone, why and since when.

People archive because posts disappear. :func:`recheck` takes a :class:`Selection` of
stored posts, fetches each again through the HTTP layer, and appends one check row per
post (``available``, ``changed``, ``deleted``, ``private``, ``suspended``,
``unavailable`` or ``error``) without ever rewriting an earlier one. See docs/recheck.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each name lives. They are imported on first use: ``list`` and ``status`` read
#: history (:mod:`archiver.recheck.history`) and should not load the network half that
#: checking needs.
_HOMES = {
    "Verdict": "outcomes",
    "classify": "outcomes",
    "outcome_for_reason": "outcomes",
    "ReportError": "report",
    "report_format": "report",
    "write_report": "report",
    "CheckReport": "runner",
    "RecheckPlan": "runner",
    "RecheckSummary": "runner",
    "plan_recheck": "runner",
    "recheck": "runner",
    "run_recheck": "runner",
    "Selection": "selection",
    "SelectionError": "selection",
    "parse_cutoff": "selection",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


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
