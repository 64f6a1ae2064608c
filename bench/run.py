"""Run every benchmark and write its figures into docs/benchmarks.md.

Run: ``.venv/bin/python bench/run.py [--quick] [--only NAME ...]``

Each benchmark runs in its own process (so peak memory is its own) and updates only its
own section of docs/benchmarks.md. ``--quick`` shrinks the long ones (recheck of
100,000 posts takes several minutes, the scale bench's archive of 1,000,000 posts most of
an hour) for a smoke run; the published figures come from a full run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full-run arguments, quick-run arguments)
    "extract": (["--write"], ["--runs", "1"]),
    "real_pages": (["--write"], ["--runs", "1"]),
    "article_links": (["--write"], ["--runs", "1"]),
    "fetch": (["--write"], ["--urls", "500", "--repeat", "1"]),
    "recheck": (["--write"], ["--quick"]),
    "export": (["--write"], ["--sizes", "500,2000"]),
    "scale": (
        ["--sizes", "10000,100000,1000000", "--write"],
        ["--sizes", "2000,20000", "--repeat", "1", "--no-profile"],
    ),
    "integrity": (["--write"], ["--sizes", "2000"]),
    "timestamps": (["--write"], ["--quick"]),
    "screenshots": (["--write"], ["--pages", "10"]),
    "startup": (["--write"], ["--repeat", "2"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; docs not written")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run just these")
    args = parser.parse_args()
    failed = []
    for name in args.only or BENCHMARKS:
        full, quick = BENCHMARKS[name]
        command = [sys.executable, str(HERE / f"bench_{name}.py"), *(quick if args.quick else full)]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
