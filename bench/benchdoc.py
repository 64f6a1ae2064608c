"""Writing one benchmark's section of docs/benchmarks.md without touching the others.

Each benchmark owns the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``;
a section not yet in the file is appended.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Measured on the project's machines (2 cores, 24 GiB). Re-run them all with\n"
    "`.venv/bin/python bench/run.py --write`, or one with `bench/bench_<name>.py --write`.\n"
    "Speed and memory are measured here, never in timed tests.\n"
)


def write_section(name: str, body: str, doc: Path = DOC, *, stamp: bool = True) -> None:
    """``stamp``: end the section with the Python version and machine it was measured on."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    machine = f"\n\n_Python {platform.python_version()} on {platform.machine()}._" if stamp else ""
    block = f"{start}\n{body.strip()}{machine}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def markdown_table(rows: list[tuple[str, str]]) -> str:
    """``rows`` of (measure, result) as the two-column table every section shows."""
    lines = ["| measure | result |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    return "\n".join(lines)
