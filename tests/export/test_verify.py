"""``archiver verify`` on a bundle directory holding what no bundle holds: a FIFO, a device, a
symbolic link, listed in a manifest. Each is refused in one line, exit 2, before any file is
read (a FIFO would block the first read for ever, a device never end)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from archiver.export import verify as verify_module
from archiver.export.verify import BundleUnreadable, verify_bundle
from archiver.export.verify_report import Problem
from tests.export.conftest import rebag, refused, verify_cli

ZERO_SHA256 = hashlib.sha256(b"").hexdigest()


def list_in_manifest(bundle: Path, relative: str) -> None:
    """Add ``relative`` to the payload manifest as a forger would (bagit itself would read
    the file to hash it, and block on a FIFO)."""
    with (bundle / "manifest-sha256.txt").open("a", encoding="utf-8") as out:
        out.write(f"{ZERO_SHA256}  {relative}\n")


def test_a_fifo_listed_in_the_manifest_is_refused(bundle: Path) -> None:
    os.mkfifo(bundle / "data/pipe")
    list_in_manifest(bundle, "data/pipe")
    line = refused(verify_cli(bundle, own_process=True))
    assert line == (
        f"error: refusing {bundle}: 'data/pipe' is a FIFO (named pipe); "
        "a bundle holds only regular files and folders"
    )


def test_a_fifo_in_place_of_a_tag_file_is_refused(bundle: Path) -> None:
    (bundle / "bag-info.txt").unlink()
    os.mkfifo(bundle / "bag-info.txt")
    assert "'bag-info.txt' is a FIFO" in refused(verify_cli(bundle, own_process=True))


def test_a_fifo_given_as_the_bundle_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "bundle.zip")
    line = refused(verify_cli(tmp_path / "bundle.zip", own_process=True))
    assert line.endswith("bundle.zip is a FIFO (named pipe), neither a bundle directory nor a zip")


def test_a_device_listed_in_the_manifest_is_refused(bundle: Path) -> None:
    try:
        os.mknod(bundle / "data/zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("this user may not create device nodes")
    list_in_manifest(bundle, "data/zero")
    assert "'data/zero' is a device" in refused(verify_cli(bundle, own_process=True))


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd", "posts.jsonl"])
def test_a_symbolic_link_is_refused(bundle: Path, target: str) -> None:
    (bundle / "data/link").symlink_to(target)
    list_in_manifest(bundle, "data/link")
    assert "'data/link' is a symbolic link" in refused(verify_cli(bundle, own_process=True))


def test_a_socket_is_refused(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bundle / "data")  # a socket's path is bound relative: it has a length limit
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock")
        list_in_manifest(bundle, "data/sock")
        # In this process: opening a socket fails at once, nothing can hang.
        assert refused(verify_cli(bundle)) == (
            f"error: refusing {bundle}: 'data/sock' is a socket; "
            "a bundle holds only regular files and folders"
        )


def test_a_socket_given_as_the_bundle_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("bundle.zip")
        with pytest.raises(BundleUnreadable) as refusal:
            verify_bundle(Path("bundle.zip"))
    assert str(refusal.value) == ("bundle.zip is a socket, neither a bundle directory nor a zip")


def test_what_is_no_bundle_is_refused_by_the_name_it_was_given(
    bundle: Path, tmp_path: Path
) -> None:
    holder = tmp_path / "holder"
    (holder / "notes").mkdir(parents=True)
    with pytest.raises(BundleUnreadable) as refusal:
        verify_bundle(holder)
    assert str(refusal.value) == f"{holder} is not a bundle: no bagit.txt found"
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as out:
        out.writestr("notes/readme.txt", "not a bag")
    with pytest.raises(BundleUnreadable) as refusal:
        verify_bundle(notes)  # unpacked in a temporary folder, but named as given
    assert str(refusal.value) == f"{notes} is not a bundle: no bagit.txt found"
    # One folder holding the bag, as an unpacked zip often is, is read as the bag.
    shutil.move(bundle, holder / "bundle")
    shutil.rmtree(holder / "notes")
    assert verify_bundle(holder).ok


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        (stat.S_IFREG, None),
        (stat.S_IFDIR, None),
        (stat.S_IFLNK, "a symbolic link"),
        (stat.S_IFIFO, "a FIFO (named pipe)"),
        (stat.S_IFCHR, "a device"),
        (stat.S_IFBLK, "a device"),
        (stat.S_IFSOCK, "a socket"),
    ],
)
def test_each_kind_of_special_file_is_named_as_the_refusals_say(
    mode: int, said: str | None
) -> None:
    """The words of the refusals above (run in processes of their own, where a hang is
    the risk), read here in this process for every kind of file, block devices too."""
    assert verify_module._kind(mode | 0o600) == said


def test_a_linked_folder_is_refused_and_not_followed(bundle: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "pipe")
    (bundle / "data/more").symlink_to(outside, target_is_directory=True)
    assert "'data/more' is a symbolic link" in refused(verify_cli(bundle, own_process=True))


def test_an_oversized_tag_file_is_refused(bundle: Path) -> None:
    with (bundle / "bag-info.txt").open("a", encoding="utf-8") as out:
        out.write("Note: " + "x" * (2 << 20) + "\n")
    assert refused(verify_cli(bundle)).endswith("bag-info.txt is larger than any bag's")


def test_a_tag_file_at_its_size_limit_is_read_and_a_missing_one_is_named(bundle: Path) -> None:
    info = bundle / "bag-info.txt"
    text = info.read_bytes()
    info.write_bytes(text + b"Note: " + b"x" * ((1 << 20) - len(text) - 7) + b"\n")
    assert info.stat().st_size == 1 << 20
    found = verify_bundle(bundle).problems
    assert {p.path for p in found} == {"bag-info.txt"}  # altered, so its tag manifests fail
    info.unlink()
    assert Problem("bag-info.txt", "listed in a manifest but missing") in (
        verify_bundle(bundle).problems
    )


def test_names_with_control_characters_cannot_forge_output_lines(bundle: Path) -> None:
    name = "x\nOK bundle: 3 record(s) verified\x1b[2J"
    (bundle / "data" / name).write_text("slipped in", "utf-8")
    result = verify_cli(bundle)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr
    assert not any(line.startswith("OK") for line in result.stderr.splitlines())
    assert "FAILED data/x\\x0aOK bundle: 3 record(s) verified\\x1b[2J: present but not listed" in (
        result.stderr
    )
    found = verify_bundle(bundle).problems
    assert Problem(f"data/{name}", "present but not listed in any manifest") in found


def test_tag_files_bagit_cannot_parse_are_named_not_crashed_on(bundle: Path) -> None:
    manifest = bundle / "manifest-sha256.txt"
    original = manifest.read_bytes()
    manifest.write_bytes(original + b"\xff\xfe  data/x\n")
    assert "is a corrupted bag" in refused(verify_cli(bundle))
    manifest.write_bytes(original)
    info = bundle / "bag-info.txt"
    lines = info.read_text("utf-8").splitlines()
    oxum = ["Payload-Oxum: 12345" if x.startswith("Payload-Oxum") else x for x in lines]
    info.write_text("\n".join(oxum) + "\n", "utf-8")
    result = verify_cli(bundle)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "FAILED bag-info.txt: Payload-Oxum cannot be read (" in result.stderr


# -- what verify names for each kind of damage ----------------------------------------------


def media_file(bundle: Path) -> Path:
    """The bundle's one downloaded image, ``data/media/<sha256>.png``."""
    (found,) = (p for p in (bundle / "data/media").iterdir() if p.is_file())
    return found


def named_by_its_hash(found: list[Problem], path: Path, bundle: Path) -> bool:
    relative = path.relative_to(bundle).as_posix()
    return any(p.path == relative and p.message.endswith("(its name)") for p in found)


def test_the_report_counts_the_payload_files_checked(bundle: Path) -> None:
    """``archiver verify`` prints the count: "OK ...: 3 record(s), 14 payload file(s)"."""
    payload = [path for path in (bundle / "data").rglob("*") if path.is_file()]
    report = verify_bundle(bundle)
    assert report.ok and report.files == len(payload) > 0
    assert report.bundle == bundle


def test_a_zip_is_refused_by_its_own_name_not_its_temporary_folders(
    bundle: Path, tmp_path: Path
) -> None:
    with (bundle / "bag-info.txt").open("a", encoding="utf-8") as out:
        out.write("Note: " + "x" * (2 << 20) + "\n")
    zipped = tmp_path / "bundle.zip"
    with zipfile.ZipFile(zipped, "w") as out:  # stored: no bomb-like ratio
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                out.write(path, f"bundle/{path.relative_to(bundle).as_posix()}")
    with pytest.raises(BundleUnreadable) as refusal:
        verify_bundle(zipped)
    assert str(refusal.value) == f"refusing {zipped}: bag-info.txt is larger than any bag's"


def test_a_grown_file_fails_the_file_count_and_size_and_is_then_named(bundle: Path) -> None:
    media = media_file(bundle)
    media.write_bytes(media.read_bytes() + b"!")
    found = verify_bundle(bundle).problems
    oxum = [p for p in found if p.path == "bag-info.txt"]
    assert len(oxum) == 1 and oxum[0].message.startswith("Payload-Oxum validation failed.")
    relative = media.relative_to(bundle).as_posix()
    said = sorted(p.message.split(" (")[0] for p in found if p.path == relative)
    assert said == [
        f"SHA-256 is {hashlib.sha256(media.read_bytes()).hexdigest()}, not {media.stem}",
        "sha256 does not match manifest-sha256.txt",
        "sha512 does not match manifest-sha512.txt",
    ]


def test_a_malformed_file_count_and_size_is_named_and_the_files_still_checked(
    bundle: Path,
) -> None:
    info = bundle / "bag-info.txt"
    info.write_text(info.read_text("utf-8").replace("Payload-Oxum: ", "Payload-Oxum: 1x"), "utf-8")
    media = media_file(bundle)
    media.write_bytes(media.read_bytes()[::-1])
    found = verify_bundle(bundle).problems
    assert found[0].path == "bag-info.txt"
    assert found[0].message.startswith("bag check failed: Malformed Payload-Oxum value: 1x")
    assert named_by_its_hash(found, media, bundle)


def test_a_bundle_without_its_data_folder_is_named_once(bundle: Path) -> None:
    shutil.rmtree(bundle / "data")
    whole = [p for p in verify_bundle(bundle).problems if p.path == ""]
    assert whole == [Problem("", f"Expected data directory {bundle / 'data'} does not exist")]


def test_every_file_named_by_its_hash_is_checked_whatever_else_is_there(bundle: Path) -> None:
    """A forger who drops the raw captures, adds a folder and rebags still has the altered
    media named: each hash-named folder and file is checked on its own."""
    shutil.rmtree(bundle / "data/captures/raw")
    (bundle / "data/media/0").mkdir()  # before every hash in sorted order
    media = media_file(bundle)
    media.write_bytes(media.read_bytes()[::-1])
    rebag(bundle)
    assert named_by_its_hash(verify_bundle(bundle).problems, media, bundle)


def test_every_damaged_manifest_line_is_named_and_the_next_lines_still_read(
    bundle: Path,
) -> None:
    """bagit skips a line it cannot parse, so verify names each one itself."""
    bagit_txt = bundle / "bagit.txt"  # a bag may declare another encoding for its tag files
    bagit_txt.write_text(bagit_txt.read_text("utf-8").replace("UTF-8", "ISO-8859-1"), "utf-8")
    manifest = bundle / "manifest-sha256.txt"
    listed = len(manifest.read_bytes().splitlines())
    with manifest.open("ab") as out:
        out.write(b"abc123\n")  # no path
        out.write(b"ab" * 31 + b"  data/short-digest.txt\n")  # 62 hex digits, not 64
        out.write(ZERO_SHA256.encode() + b"  data/caf\xe9.txt\n")  # Latin-1, not UTF-8
        out.write(ZERO_SHA256.encode() + b"  data/gone.txt\n")
    found = [p for p in verify_bundle(bundle).problems if p.path == "manifest-sha256.txt"]
    assert found == [
        Problem("manifest-sha256.txt", f"line {listed + 1} is malformed"),
        Problem("manifest-sha256.txt", f"line {listed + 2} is malformed"),
        Problem("manifest-sha256.txt", f"line {listed + 3} is not UTF-8"),
        Problem("manifest-sha256.txt", f"line {listed + 4} lists 'data/gone.txt', which is absent"),
    ]


def test_a_screenshot_list_naming_a_missing_png_is_named(bundle: Path) -> None:
    """The list of screenshots is checked in the same report as everything else: a line
    naming a PNG the bundle lacks, and a line archiver never writes, each get a problem
    even when the forger rebagged (so every manifest agrees)."""
    catalog = bundle / "data/captures/screenshots.jsonl"
    sha = "ab" * 32
    catalog.write_text(
        f'{{"key": "x:1", "sha256": "{sha}", "path": "screenshots/{sha}.png"}}\nnot json\n',
        encoding="utf-8",
    )
    rebag(bundle)
    found = [
        p.message
        for p in verify_bundle(bundle).problems
        if p.path == "data/captures/screenshots.jsonl"
    ]
    assert found == [
        f"line 1 (x:1): screenshot screenshots/{sha}.png is missing",
        "line 2 is not a screenshot line archiver writes",
    ]
