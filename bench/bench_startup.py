"""Benchmark what a command costs before it does anything: Python, Typer, the imports.

Each command runs as a fresh process ``--repeat`` times; the figure is its CPU time (user +
system, from the children's rusage), best of the runs, since other jobs on a shared
machine only ever add to it; wall time is the median. Modules counts the modules the
process imported (``-X importtime`` lines). Floors, in the same run: a bare interpreter,
Typer, Typer's help renderer (``typer.rich_utils``, which every ``--help`` needs), and the
store (sqlmodel and sqlalchemy, which every command that opens an archive needs). With
``--home`` it also times ``list --limit 20`` and ``search`` on that archive (e.g. one kept
by bench_scale.py). With ``--against REV`` every command also runs from git revision REV
(its source tree exported to a temporary directory), for a before/after in one run.

    .venv/bin/python bench/bench_startup.py
    .venv/bin/python bench/bench_startup.py --against main --home /tmp/scale/posts-1000000
    .venv/bin/python bench/bench_startup.py --write ...       # update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdoc import write_section  # noqa: E402

#: Runs the command line from a source tree instead of the installed (editable) package.
_FROM_TREE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in "
    "repr(f).lower()]; sys.path.insert(0, {tree!r}); sys.argv[0] = 'archiver'; "
    "from archiver.cli import main; main()"
)
_INSTALLED = "import sys; sys.argv[0] = 'archiver'; from archiver.cli import main; main()"


READING = """Reading: `--version` and `--help` import no part of the library (tests/cli/\
test_startup.py fails if they load the store, the network, document parsing, the record's or
the settings' models, WARC, BagIt or time-stamping): what they import is Python, Typer and,
for `--help`, Typer's help renderer (rich with its markdown, tables and tracebacks), so
`--help` is its floor plus what declaring the commands costs. A command's own `--help` adds
pydantic: Typer (0.2x) checks every option through a pydantic TypeAdapter when a command is
invoked, which no change in archiver avoids. A command that opens an archive imports the
store (sqlmodel, sqlalchemy's ORM and the table classes built on them): that floor alone is
above the 0.3 s aimed at for `list --limit 20` and `search` at 1,000,000 posts, whose own
queries take tens of milliseconds (raw sqlite3 in bench_scale.py). Reaching it needs a read
path that does not import the ORM, a change to store/ left for its own issue."""


@dataclass
class Timing:
    cpu: float
    wall: float
    modules: int


def run(argv: list[str], repeat: int) -> Timing:
    cpus, walls = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    traced = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    modules = sum(line.startswith("import time:") for line in traced.stderr.splitlines()) - 1
    return Timing(min(cpus), statistics.median(walls), modules)


def export_tree(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "archiver"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command")
    parser.add_argument("--home", type=Path, help="an archive for list and search")
    parser.add_argument("--word", default="zeppelin", help="the word searched for")
    parser.add_argument("--against", help="also run the command line of this git revision")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    python = sys.executable
    floors = {
        "python -c pass": [python, "-c", "pass"],
        "import typer": [python, "-c", "import typer"],
        "import typer.rich_utils (help renderer)": [python, "-c", "import typer.rich_utils"],
        "import archiver.store (sqlmodel, sqlalchemy)": [python, "-c", "import archiver.store"],
    }
    commands = [["--version"], ["--help"], ["list", "--help"]]
    if args.home is not None:
        home = ["--home", str(args.home)]
        commands += [["list", "--limit", "20", *home], ["search", args.word, *home]]
    rows: list[str] = []
    for name, argv in floors.items():
        timing = run(argv, args.repeat)
        cells = f"{timing.cpu:.3f} | {timing.wall:.3f} | {timing.modules}"
        rows.append(f"| {name} (floor) | {cells} | |")
        print(rows[-1], flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        before = export_tree(args.against, Path(scratch)) if args.against else None
        for command in commands:
            shown = "archiver " + " ".join(
                "HOME" if args.home and part == str(args.home) else part for part in command
            )
            now = run([python, "-c", _INSTALLED, *command], args.repeat)
            was = ""
            if before is not None:
                launcher = _FROM_TREE.format(tree=str(before))
                old = run([python, "-c", launcher, *command], args.repeat)
                was = f"{old.cpu:.3f} s, {old.modules} modules"
            rows.append(
                f"| `{shown}` | **{now.cpu:.3f}** | {now.wall:.3f} | {now.modules} | {was} |"
            )
            print(rows[-1], flush=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    against = f" `{args.against}`" if args.against else " (`--against REV`)"
    size = ""
    if args.home is not None:
        built = args.home / "BUILT"
        count = built.read_text().strip() if built.exists() else "?"
        size = f" HOME is an archive of {int(count):,} posts built by bench_scale.py."
    text = "\n".join(
        [
            "## Start-up (`bench/bench_startup.py`)",
            "",
            "CPU time (user + system) of a whole process, best of "
            f"{args.repeat} fresh runs (other jobs only add to it); wall time the median; "
            "modules imported (`-X importtime`). Floors: what every process, every `--help`, "
            f"and every command that opens an archive cannot avoid.{size}",
            "",
            f"| command | CPU s | wall s | modules | before{against} |",
            "|---|---:|---:|---:|---|",
            *rows,
            "",
            f"Machine load average when the runs ended: {load} (2 CPUs, shared).",
            "",
            READING,
        ]
    )
    print(text)
    if args.write:
        write_section("startup", text)


if __name__ == "__main__":
    main()
