"""Screenshots in the system's Chromium of local pages imitating each platform's embed page,
a page that asks for private addresses, and one that never finishes loading.

One browser renders every page of the module (as one batch does), two tabs at a time.
"""

from __future__ import annotations

import io
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from PIL import Image

from archiver.browser.chromium import BrowserMissing
from archiver.browser.screenshot import BrowserEnded, Shot, Target, take_screenshots
from archiver.config import Settings, load_settings
from archiver.net.guard import AddressGuard
from tests.browser.pages import AVATAR_RGB, EMBED_PAGES, LATE_RGB, LATE_SIZE, serve_pages
from tests.chromium import chromium_needed


def screenshot_settings(**changes: object) -> Settings:
    """The defaults, with a short page deadline (the hanging page waits it out)."""
    settings = load_settings()
    options = settings.screenshot.model_copy(
        update={"page_deadline_seconds": 8.0, "concurrency": 2, **changes}
    )
    return settings.model_copy(update={"screenshot": options})


def _profiles(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("playwright_chromiumdev_profile-*")}


class Batch:
    def __init__(self) -> None:
        self.shots: dict[str, Shot] = {}
        self.profiles_before: set[str] = set()
        self.profiles_after: set[str] = set()


@pytest.fixture(scope="module")
def batch() -> Iterator[Batch]:
    result = Batch()
    with serve_pages() as server:
        targets = [Target(path, server.origin + path) for path in EMBED_PAGES]
        targets += [Target(name, f"{server.origin}/{name}") for name in ("private", "hang")]
        targets.append(Target("refused", "http://10.0.0.5/status/1"))
        targets.append(Target("tunnel", "https://10.0.0.5/status/1"))
        guard = AddressGuard(trusted=frozenset({("127.0.0.1", server.port)}))
        # A temp folder of the batch's own (the browser's driver makes its profile under
        # TMPDIR), so another run on the machine cannot leave a profile in the one looked at.
        with tempfile.TemporaryDirectory() as temp, pytest.MonkeyPatch.context() as patch:
            folder = Path(temp)
            patch.setenv("TMPDIR", temp)
            result.profiles_before = _profiles(folder)
            keep = result.shots.__setitem__
            take_screenshots(targets, screenshot_settings(), lambda s: keep(s.key, s), guard=guard)
            result.profiles_after = _profiles(folder)
        yield result


def _image(shot: Shot) -> Image.Image:
    assert shot.png is not None, shot.error
    image = Image.open(io.BytesIO(shot.png))
    image.load()  # decodes every pixel: a truncated or corrupt PNG fails here
    assert image.format == "PNG"
    return image.convert("RGB")


def _count(image: Image.Image, rgb: tuple[int, int, int]) -> int:
    return sum(count for count, colour in image.getcolors(1 << 24) or [] if colour == rgb)


pytestmark = chromium_needed("screenshots not tested")


@pytest.mark.parametrize("path", list(EMBED_PAGES))
def test_each_embed_page_is_shot_full_height_once_settled(batch: Batch, path: str) -> None:
    shot = batch.shots[path]
    assert shot.error is None and shot.settled and shot.http_status == 200
    assert shot.blocked == ()
    image = _image(shot)
    assert image.width == shot.viewport_width == 800
    assert image.height > shot.viewport_height  # the whole page, not the window
    width, height = LATE_SIZE
    # The element added after loading (its "12 likes" text covers a few of its pixels).
    assert 0.9 * width * height < _count(image, LATE_RGB) <= width * height
    assert _count(image, AVATAR_RGB) > 500  # the avatar image (round, so not all 48²)
    assert len(image.getcolors(1 << 24) or []) > 10  # text and borders: not a blank page
    assert shot.browser_version and shot.browser_version[0].isdigit()
    assert shot.url.endswith(path)


def test_requests_for_private_addresses_are_refused_and_recorded(batch: Batch) -> None:
    shot = batch.shots["private"]
    assert shot.error is None and shot.settled
    refused = {blocked.url: blocked.reason for blocked in shot.blocked}
    assert set(refused) == {
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/admin.png",
        f"http://127.0.0.2:{shot.url.split(':')[2].split('/')[0]}/avatar.png",
    }
    assert "link-local" in refused["http://169.254.169.254/latest/meta-data/"]
    _image(shot)


def test_a_refused_page_is_shot_with_the_refusal(batch: Batch) -> None:
    shot = batch.shots["refused"]
    assert shot.http_status == 403
    # The page, then (the browser asking for its icon) the host's favicon.
    assert [b.url for b in shot.blocked][:1] == ["http://10.0.0.5/status/1"]
    assert all(b.url.startswith("http://10.0.0.5/") for b in shot.blocked)


def test_a_page_that_cannot_be_loaded_gives_no_image_and_says_why(batch: Batch) -> None:
    shot = batch.shots["tunnel"]  # an https page on a private address: no tunnel to it
    assert shot.png is None
    assert shot.error is not None and shot.error.startswith("the page could not be loaded")
    assert [b.url for b in shot.blocked][:1] == ["https://10.0.0.5:443"]


def test_a_page_that_never_finishes_is_shot_at_the_deadline(batch: Batch) -> None:
    shot = batch.shots["hang"]
    assert shot.error is None
    assert shot.settled is False
    image = _image(shot)
    assert image.width == 800 and len(image.getcolors(1 << 24) or []) > 2


def test_no_profile_is_left_behind(batch: Batch) -> None:
    assert batch.profiles_after - batch.profiles_before == set()


def test_a_missing_browser_fails_before_anything_is_rendered(tmp_path: Path) -> None:
    settings = screenshot_settings(browser=str(tmp_path / "chromium"))
    shots: list[Shot] = []
    with pytest.raises(BrowserMissing, match="apt install chromium"):
        take_screenshots([Target("k", "http://127.0.0.1:9/")], settings, shots.append)
    assert shots == []


def _descendants() -> set[int]:
    """Processes below this one (the Playwright driver, Chromium and its helpers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
            parents[int(entry.name)] = int(parent.split()[1])
    found = {os.getpid()}
    while more := {pid for pid, parent in parents.items() if parent in found} - found:
        found |= more
    return found - {os.getpid()}


def test_the_browser_is_ended_when_the_batch_fails() -> None:
    running: set[int] = set()

    def fail(shot: Shot) -> None:
        running.update(_descendants())  # the driver, Chromium and its helpers, mid-batch
        raise RuntimeError("the caller failed while the browser was open")

    with serve_pages() as server:
        guard = AddressGuard(trusted=frozenset({("127.0.0.1", server.port)}))
        targets = [Target("a", f"{server.origin}/riverwatch/123"), Target("b", server.origin)]
        with pytest.raises(RuntimeError, match="the caller failed"):
            take_screenshots(targets, screenshot_settings(), fail, guard=guard)
    assert running  # the browser was seen running

    def alive() -> set[int]:
        return {pid for pid in running if Path(f"/proc/{pid}").exists()}

    for _ in range(200):  # a process takes a moment to exit; no time is asserted
        if not alive():
            break
        time.sleep(0.1)
    assert alive() == set()


def test_a_browser_gone_mid_batch_ends_it_without_blaming_the_pages() -> None:
    """Chromium killed after the first page (as a crash or a Ctrl-C reaching it first):
    the second page is not recorded as a failed screenshot; the batch ends in one line."""
    shots: list[Shot] = []

    def kill_browser(shot: Shot) -> None:
        shots.append(shot)
        for pid in _descendants():  # only processes this test started
            # Killing the browser ends its helpers too, so one listed may be gone already.
            with suppress(FileNotFoundError, ProcessLookupError):
                if Path(f"/proc/{pid}/comm").read_text().strip().startswith("chrom"):
                    os.kill(pid, signal.SIGKILL)

    with serve_pages() as server:
        guard = AddressGuard(trusted=frozenset({("127.0.0.1", server.port)}))
        targets = [Target(name, f"{server.origin}/riverwatch/123?{name}") for name in "ab"]
        settings = screenshot_settings(concurrency=1)
        with pytest.raises(BrowserEnded, match="the screenshots taken until then are kept"):
            take_screenshots(targets, settings, kill_browser, guard=guard)
    assert [shot.key for shot in shots] == ["a"] and shots[0].png is not None
