"""A local web server whose pages imitate the platforms' embed pages, for the browser tests.

Each embed page is invented text in the shape of the real one (a card with an avatar
image, the post text, a date), plus an element that appears only after the page has
loaded (as the real embed pages fill themselves in with script). Other pages request a
private address, or never finish loading.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

#: The late element's colour and size: a screenshot that shows it has these pixels.
LATE_RGB = (0, 160, 80)
LATE_SIZE = (300, 120)
AVATAR_RGB = (30, 90, 200)

#: Which real page each imitation stands for (path on the local server -> shape).
EMBED_PAGES = {
    "/embed/Tweet.html": "X's embed page, platform.twitter.com/embed/Tweet.html?id=<id>",
    "/@riverwatch/1000000000000000001/embed": "a Mastodon status's /embed page",
    "/embed/did:plc:fakeriverwatch/app.bsky.feed.post/3kfakerkey111": "embed.bsky.app's page",
    "/r/floods/comments/abc123/barrier/": "embed.reddit.com's page for a Reddit post",
    "/riverwatch/123": "Telegram's ?embed=1 widget page",
}


def solid_png(rgb: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, rgb).save(out, "PNG")
    return out.getvalue()


def embed_page(title: str) -> bytes:
    late_w, late_h = LATE_SIZE
    red, green, blue = LATE_RGB
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:16px sans-serif;margin:0;background:#fff}}
.card{{border:1px solid #ccc;border-radius:12px;margin:12px;padding:12px;width:520px}}
.avatar{{width:48px;height:48px;border-radius:24px}}</style></head>
<body><div class="card"><img class="avatar" src="/avatar.png" alt="">
<b>River Watch</b> @riverwatch
<p>Flood barrier holds on the river Esk. The bridge stays closed tonight.</p>
<time>7 Jan 2026</time><div id="slot"></div></div>
<script>setTimeout(function () {{
  fetch("/counts.json").then(function (r) {{ return r.json(); }}).then(function (c) {{
    var late = document.createElement("div");
    late.id = "late";
    late.textContent = c.likes + " likes";
    late.style.cssText = "width:{late_w}px;height:{late_h}px;background:rgb({red},{green},{blue})";
    document.getElementById("slot").appendChild(late);
  }});
}}, 300);</script>
<div style="height:900px"></div><p>end of the card's page</p>
</body></html>""".encode()


@dataclass
class PageServer:
    host: str
    port: int
    stop: threading.Event
    #: Paths requested, in order (so a test can see what the browser asked for).
    requested: list[str]

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            server.requested.append(self.path)
            path = self.path.split("?", 1)[0]
            if path == "/avatar.png":
                self._send(solid_png(AVATAR_RGB, (48, 48)), "image/png")
            elif path == "/counts.json":
                self._send(b'{"likes": 12}', "application/json")
            elif path in EMBED_PAGES:
                self._send(embed_page(EMBED_PAGES[path]), "text/html; charset=utf-8")
            elif path == "/private":
                # Shaped like a post page whose markup points at internal addresses.
                body = (
                    "<!DOCTYPE html><p>A page that asks for internal addresses.</p>"
                    '<img src="http://169.254.169.254/latest/meta-data/">'
                    '<img src="http://10.0.0.5/admin.png">'
                    f'<img src="http://127.0.0.2:{server.port}/avatar.png">'
                )
                self._send(body.encode(), "text/html; charset=utf-8")
            elif path == "/hang":
                body = (
                    "<!DOCTYPE html><p style='height:300px'>A page that never finishes.</p>"
                    '<img src="/never.png">'
                )
                self._send(body.encode(), "text/html; charset=utf-8")
            elif path == "/large":
                self._send(b"x" * 50_000, "application/octet-stream")
            elif path == "/never.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                server.stop.wait(120)  # until the test ends: the image never arrives
            else:
                self._send(b"not found", "text/plain", 404)

    return Handler


@contextmanager
def serve_pages() -> Iterator[PageServer]:
    """The imitation pages on 127.0.0.1, for the duration of a test."""
    state = PageServer("127.0.0.1", 0, threading.Event(), [])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
