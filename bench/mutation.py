"""Mutation testing of the modules that the archive's integrity rests on, with mutmut.

Run: ``.venv/bin/pip install -e '.[mutation]' && .venv/bin/python bench/mutation.py``
(``--only merge verify`` for some modules; ``--keep`` to keep the scratch copies for
``mutmut browse``).

A passing suite says the code does what the tests ask; a mutant that survives says some
change to the code goes unnoticed. Each module of :data:`MODULES` is mutated in a scratch
copy of the project (the files git lists, as they are in the working tree), where the
shared ``[tool.mutmut]`` settings of ``pyproject.toml`` get two keys more: the module as
``only_mutate`` and its own tests as ``pytest_add_cli_args_test_selection``. mutmut first
records which of those tests call each function, then runs every mutant against just
those, in forked processes (``--max-children``, 2 by default: the machines have 2 cores).
Each module's run rewrites its own section of ``docs/mutation.md`` (its score and every
mutant not caught, as a diff) and the table of scores drawn from all the sections.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdoc import write_section  # noqa: E402

DOC = ROOT / "docs" / "mutation.md"

#: name: (the module mutated, the test files (globs) that concern it). Only these tests
#: run against the module's mutants, so a run stays well under an hour on 2 cores.
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "record": ("archiver/record.py", ("tests/test_record*.py",)),
    "merge": (
        "archiver/merge.py",
        ("tests/test_merge.py", "tests/store/test_writer.py", "tests/store/test_archive.py"),
    ),
    "outcomes": (
        "archiver/recheck/outcomes.py",
        ("tests/recheck/test_outcomes*.py", "tests/recheck/test_recheck*.py"),
    ),
    "verify": (
        "archiver/export/verify.py",
        (
            "tests/export/test_bundle.py",
            "tests/export/test_export_cli.py",
            "tests/export/test_new_user.py",
            "tests/export/test_verify*.py",
        ),
    ),
}

#: mutmut's statuses (``mutmut results``) that count as caught.
CAUGHT = frozenset({"killed", "timeout", "caught by type check"})
#: The ``[tool.mutmut]`` keys this script sets per module.
OWN_KEYS = ("only_mutate", "pytest_add_cli_args_test_selection")


class MutationError(Exception):
    """A run that could not produce a score (its message says what to do)."""


@dataclass
class ModuleResult:
    name: str
    module: str
    tests: list[str]
    seconds: float
    statuses: dict[str, str]  # mutant name -> mutmut status
    diffs: dict[str, str] = field(default_factory=dict)  # not caught -> its diff

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.statuses.values())

    @property
    def caught(self) -> int:
        return sum(1 for status in self.statuses.values() if status in CAUGHT)

    @property
    def score(self) -> float:
        return self.caught / len(self.statuses) if self.statuses else 0.0

    def not_caught(self) -> list[str]:
        return [name for name, status in self.statuses.items() if status not in CAUGHT]

    def left(self) -> str:
        """The mutants not caught, by status: ``83 survived, 5 no tests``."""
        counts = sorted(self.counts.items())
        return ", ".join(f"{n} {s}" for s, n in counts if s not in CAUGHT) or "none left"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(MODULES), help="these modules")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = parser.parse_args()
    # A stopped run removes its scratch copies too (``finally`` runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        print("mutmut is not installed: .venv/bin/pip install -e '.[mutation]'", file=sys.stderr)
        return 2
    failed = []
    for name in args.only or MODULES:
        try:  # one module that cannot be run (moved, its tests failing) stops no other
            result = run_module(name, mutmut, args.max_children, args.keep)
        except MutationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(name)
            continue
        write_section(f"mutation-{name}", module_section(result), doc=DOC, stamp=False)
        write_section("mutation-scores", scores_section(DOC.read_text(encoding="utf-8")), doc=DOC)
        print(f"   wrote its section of {DOC.relative_to(ROOT)}", flush=True)
    if failed:
        print(f"not scored: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_module(name: str, mutmut: Path, max_children: int, keep: bool) -> ModuleResult:
    module, patterns = MODULES[name]
    if not (ROOT / module).is_file():
        raise MutationError(f"{module} does not exist: update MODULES in bench/mutation.py")
    tests = sorted({str(path.relative_to(ROOT)) for p in patterns for path in ROOT.glob(p)})
    if not tests:
        raise MutationError(f"no test file matches {patterns} for {module}")
    scratch = Path(tempfile.mkdtemp(prefix=f"archiver-mutation-{name}-"))
    try:
        copy_project(scratch)
        (scratch / "pyproject.toml").write_text(
            module_config((ROOT / "pyproject.toml").read_text(encoding="utf-8"), module, tests),
            encoding="utf-8",
        )
        print(f"== {module}: mutants against {', '.join(tests)}", flush=True)
        started = time.monotonic()
        log = scratch / "mutmut-run.log"
        with log.open("w", encoding="utf-8") as out:
            command = [str(mutmut), "run", "--max-children", str(max_children)]
            code = subprocess.run(command, cwd=scratch, stdout=out, stderr=out).returncode
        seconds = time.monotonic() - started
        if code != 0:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise MutationError(f"mutmut run failed for {module} (exit {code}):\n{tail}")
        statuses = read_statuses(mutmut, scratch)
        if not statuses:
            raise MutationError(f"mutmut made no mutants of {module}")
        result = ModuleResult(name, module, tests, seconds, statuses)
        result.diffs = read_diffs(mutmut, scratch, result.not_caught(), max_children)
        print(summary_line(result), flush=True)
        return result
    finally:
        if keep:
            print(f"   scratch copy kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def copy_project(scratch: Path) -> None:
    """The files git lists (tracked, and new ones it does not ignore) as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def module_config(pyproject: str, module: str, tests: list[str]) -> str:
    """``pyproject.toml`` with the module and its tests added to ``[tool.mutmut]``."""
    shared = tomllib.loads(pyproject).get("tool", {}).get("mutmut")
    if shared is None:
        raise MutationError("pyproject.toml has no [tool.mutmut] table")
    if owned := [key for key in OWN_KEYS if key in shared]:
        raise MutationError(f"[tool.mutmut] sets {owned}; bench/mutation.py sets those per module")
    added = f"only_mutate = {toml_strings([module])}\n"
    added += f"pytest_add_cli_args_test_selection = {toml_strings(tests)}\n"
    text, found = re.subn(r"(?m)^\[tool\.mutmut\][ \t]*\n", lambda m: m.group(0) + added, pyproject)
    if found != 1 or tomllib.loads(text)["tool"]["mutmut"].get("only_mutate") != [module]:
        raise MutationError("could not add to [tool.mutmut]: write it as a table of its own")
    return text


def toml_strings(values: list[str]) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "[" + ", ".join(f'"{value}"' for value in escaped) + "]"


def read_statuses(mutmut: Path, scratch: Path) -> dict[str, str]:
    """Every mutant and its status, from ``mutmut results --all true``."""
    shown = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    statuses = {}
    for line in shown.splitlines():
        name, colon, status = line.strip().rpartition(": ")
        if colon and "__mutmut_" in name:
            statuses[name] = status
    return statuses


def read_diffs(mutmut: Path, scratch: Path, names: list[str], workers: int) -> dict[str, str]:
    def show(name: str) -> str:  # a diff that cannot be shown is reported as such
        command = [str(mutmut), "show", name]
        return subprocess.run(command, cwd=scratch, capture_output=True, text=True).stdout

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip(names, pool.map(show, names), strict=True))


def summary_line(result: ModuleResult) -> str:
    return (
        f"   {result.module}: {result.score:.0%} caught ({result.caught} of "
        f"{len(result.statuses)}; {result.left()}) in {result.seconds / 60:.1f} min"
    )


# --- the report ---------------------------------------------------------------------------


#: A module section's figures, as JSON in an HTML comment, for the table of scores.
_FIGURES = re.compile(r"<!-- figures (\{.*?\}) -->")


def module_section(result: ModuleResult) -> str:
    counts = result.counts
    figures = {
        "module": result.module,
        "tests": result.tests,
        "mutants": len(result.statuses),
        "caught": result.caught,
        "survived": counts["survived"],
        "no tests": counts["no tests"],
        "minutes": round(result.seconds / 60, 1),
    }
    lines = [
        f"### `{result.module}`",
        "",
        f"<!-- figures {json.dumps(figures, ensure_ascii=False)} -->",
        f"**{result.score:.0%}** caught: {result.caught} of {len(result.statuses)} mutants "
        f"({result.left()}), run against {_code(result.tests)}.",
        "",
    ]
    lines += list(not_caught_section(result)) or ["Every mutant caught."]
    return "\n".join(lines)


def scores_section(doc: str) -> str:
    """The table of every module section's figures, in the order of the document."""
    lines = [
        "| module | tests run against it | mutants | caught | survived | no tests | score "
        "| minutes |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for match in _FIGURES.finditer(doc):
        row = json.loads(match.group(1))
        score = row["caught"] / row["mutants"] if row["mutants"] else 0.0
        lines.append(
            f"| `{row['module']}` | {_code(row['tests'])} | {row['mutants']} | {row['caught']} "
            f"| {row['survived']} | {row['no tests']} | **{score:.0%}** | {row['minutes']} |"
        )
    return "\n".join(lines)


def _code(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def not_caught_section(result: ModuleResult) -> Iterator[str]:
    by_function: dict[str, list[str]] = {}
    for name in result.not_caught():
        by_function.setdefault(function_of(name)[0], []).append(name)
    for function, names in by_function.items():
        yield f"`{function}`:"
        yield ""
        yield "```diff"
        for name in names:
            status = result.statuses[name]
            yield f"# {function_of(name)[1]} ({status})"
            yield from changed_lines(result.diffs.get(name, ""))
        yield "```"
        yield ""


def function_of(mutant: str) -> tuple[str, str]:
    """``archiver.merge.x_merge__mutmut_60`` -> (``merge``,
    ``mutmut_60``); methods (``xǁPostǁwith_changes``) read ``Post.with_changes``."""
    mangled = mutant.rsplit(".", 1)[-1]
    function, _, number = mangled.rpartition("__mutmut_")
    function = function.removeprefix("x")
    if function.startswith("ǁ"):
        function = ".".join(part for part in function.split("ǁ") if part)
    else:
        function = function.removeprefix("_")
    return function, f"mutmut_{number}"


def changed_lines(diff: str) -> list[str]:
    """The removed and added lines of a unified diff, their common indent dropped."""
    changed = [
        line
        for line in diff.splitlines()
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    bodies = [line[1:] for line in changed if line[1:].strip()]
    indent = min((len(body) - len(body.lstrip()) for body in bodies), default=0)
    return [line[0] + line[1 + indent :] for line in changed] or ["(no diff shown)"]


if __name__ == "__main__":
    raise SystemExit(main())
