"""CPU time one ``add`` of a page URL costs, in this process: the store benchmark's short
article pages (``/page/<n>`` of ``bench_store.py``'s server) added by ``add_urls`` into a
fresh SQLite archive, after a few warm-up pages. Finer than ``bench_store.py``'s CPU
column (a whole percentage of wall time), for a before/after of a change to the add path.

    .venv/bin/python bench/bench_add_cpu.py --pages 500
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import page_url, respond_store
from local_server import serve

from archiver.config import load_settings
from archiver.ingest.urls import add_urls
from archiver.store import Archive

WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    pages = parser.parse_args().pages
    settings = load_settings()
    settings.network.allow_private_addresses = True  # the server is on 127.0.0.1
    load = os.getloadavg()
    with (
        serve(respond_store) as port,
        tempfile.TemporaryDirectory() as home,
        Archive(Path(home)) as archive,
    ):
        add_urls(archive, settings, [page_url(port, n) for n in range(WARM_UP)])
        started = time.process_time()
        add_urls(archive, settings, [page_url(port, n) for n in range(WARM_UP, WARM_UP + pages)])
        cpu = time.process_time() - started
    print(
        f"{pages} pages added: {cpu:.2f} s CPU, {1000 * cpu / pages:.2f} ms a page "
        f"(load average {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f})"
    )


if __name__ == "__main__":
    main()
