"""Benchmark ``--screenshot``: screenshots per second of local pages, and peak memory.

A threaded HTTP server on 127.0.0.1 serves N pages shaped like an embed page (a card, a
48-pixel avatar image, a counts request whose answer adds an element 300 ms after load,
and a page 1,200 pixels tall); the system's Chromium renders and shoots them all through
archiver's guarded proxy, as ``add --screenshot`` does (the PNGs are kept in memory here,
not written to an archive). Each concurrency runs in a fresh browser. Peak memory is the
largest total resident size of this process and every process below it (the Playwright
driver and Chromium's), sampled every 100 ms.

    .venv/bin/python bench/bench_screenshots.py            # print a Markdown section
    .venv/bin/python bench/bench_screenshots.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdoc import write_section  # noqa: E402

from archiver.browser.screenshot import Shot, Target, take_screenshots  # noqa: E402
from archiver.config import load_settings  # noqa: E402
from archiver.net.guard import AddressGuard  # noqa: E402


def _png(rgb: bytes) -> bytes:
    """A 1x1 PNG of one colour (the page stretches it to 48x48)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + rgb)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_AVATAR = _png(b"\x1e\x5a\xc8")
_PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>post</title>
<style>body{font:16px sans-serif;margin:0}.card{border:1px solid #ccc;margin:12px;
padding:12px;width:520px}img{width:48px;height:48px}</style></head><body>
<div class="card"><img src="/avatar.png" alt=""> <b>River Watch</b> @riverwatch
<p>Flood barrier holds on the river Esk. The bridge stays closed tonight.</p>
<div id="slot"></div></div><div style="height:1000px"></div>
<script>setTimeout(function(){fetch("/counts.json").then(function(r){return r.json()})
.then(function(c){var d=document.createElement("div");d.textContent=c.likes+" likes";
d.style.cssText="width:300px;height:120px;background:#0a5";
document.getElementById("slot").appendChild(d)})},300)</script></body></html>"""


READING = (
    "Reading: each page waits at least 0.8 s by design (the late element at 300 ms, then "
    "half a second without requests before it counts as settled); rendering, the "
    "full-height PNG and a fresh context per page are CPU work, which the shared 2 CPUs "
    "limit: at the load these were measured under, four tabs gain a third over one, and "
    "cost about 800 MB more. Lower `[screenshot] concurrency` where memory is short."
)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/avatar.png"):
            body, kind = _AVATAR, "image/png"
        elif self.path.startswith("/counts.json"):
            body, kind = b'{"likes": 12}', "application/json"
        else:
            body, kind = _PAGE, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _tree_rss() -> int:
    """Resident bytes of this process and every process below it (from /proc)."""
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        sizes[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    mine = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(found)
        mine |= found
    return sum(sizes.get(pid, 0) for pid in mine)


class _Peak:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, _tree_rss())

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(pages: int, concurrency: int, origin: str, port: int) -> tuple[float, int, int, int]:
    """Wall seconds, shots taken, settled ones, and peak memory for one batch."""
    settings = load_settings()
    options = settings.screenshot.model_copy(update={"concurrency": concurrency})
    settings = settings.model_copy(update={"screenshot": options})
    guard = AddressGuard(trusted=frozenset({("127.0.0.1", port)}))
    targets = [Target(f"page:{n}", f"{origin}/post/{n}") for n in range(pages)]
    shots: list[Shot] = []
    with _Peak() as peak:
        start = time.perf_counter()
        take_screenshots(targets, settings, shots.append, guard=guard)
        wall = time.perf_counter() - start
    taken = sum(shot.png is not None for shot in shots)
    return wall, taken, sum(shot.settled for shot in shots), peak.peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rows = []
    try:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            wall, taken, settled, peak = run(
                args.pages, concurrency, f"http://127.0.0.1:{port}", port
            )
            rows.append(
                f"| {concurrency} | {args.pages} | {taken} | {settled} | {wall:.1f} | "
                f"**{taken / wall:.2f}** | {peak / 1e6:.0f} |"
            )
            print(rows[-1], flush=True)
    finally:
        server.shutdown()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    body = "\n".join(
        [
            "## Screenshots (`bench/bench_screenshots.py`)",
            "",
            f"{args.pages} local pages shaped like an embed page (a card, an avatar image, an "
            "element added 300 ms after load, 1,200 px tall), each rendered in a fresh "
            "context of one headless Chromium through archiver's guarded proxy, settled "
            "(load, then half a second without requests) and shot full height: what "
            "`add --screenshot` does, minus writing the PNGs. The browser's start (a few "
            "seconds) is included.",
            "",
            "| tabs | pages | shot | settled | wall s | screenshots/s | peak memory MB |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "Peak memory is the largest total resident size of the benchmark process, the "
            "Playwright driver and every Chromium process, sampled every 100 ms; pages "
            "Chromium's processes share are counted in each, so it is an upper bound. Load "
            f"average when written: {load} (2 CPUs, shared).",
            "",
            READING,
        ]
    )
    print(body)
    if args.write:
        write_section("screenshots", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
