"""Settings: the defaults merged with a user's file, as typed objects.

Every endpoint base URL is configuration, not code, so tests and users behind a
mirror can point archiver at another server without patching anything.

The defaults ship inside the package (``archiver/default.toml``, read with
:mod:`importlib.resources`), so a wheel or ``pip install .`` works from any directory;
``config/default.toml`` at the repository root is the documented copy to read and
edit, and a test fails whenever the two differ.
"""

from __future__ import annotations

import os
import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archiver.errors import ArchiverError

DEFAULT_CONFIG = files("archiver") / "default.toml"
CONFIG_ENV = "ARCHIVER_CONFIG"
HOME_ENV = "ARCHIVER_HOME"
DB_ENV = "ARCHIVER_DB"


class ConfigError(ArchiverError):
    """The configuration cannot be read or does not validate."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArchiveSettings(_Section):
    home: str = "./archive"


class StoreSettings(_Section):
    """``[store]``: where the archive's database is (docs/store.md)."""

    #: Empty: ``archive.db`` in the home (SQLite). Else a SQLite path or ``postgresql://…``.
    url: str = ""
    #: How long a worker's claim on a batch lasts on a shared (PostgreSQL) archive: a live
    #: worker renews it every third of this; a dead worker's batch is taken over after it.
    lease_seconds: float = 900.0
    #: Folders for blobs and WARC files (a shared mount); empty: ``blobs/``, ``warc/`` in the home.
    blobs: str = ""
    warc: str = ""


class HttpSettings(_Section):
    user_agent: str
    browser_user_agent: str
    timeout_seconds: float = 20.0
    connect_timeout_seconds: float = 10.0
    max_redirects: int = 10
    concurrency: int = 16
    per_host_concurrency: int = 4
    per_host_interval_seconds: float = 0.0
    max_attempts: int = 4
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    retry_after_cap_seconds: float = 120.0
    max_body_bytes: int = 20_000_000
    request_deadline_seconds: float = 120.0
    url_budget_seconds: float = 300.0


class NetworkSettings(_Section):
    allow_private_addresses: bool = False


class DocumentSettings(_Section):
    max_bytes: int = 33_554_432
    keep_path: bool = False


class MediaSettings(_Section):
    max_bytes: int = 200_000_000
    allowed_types: list[str] = ["image/", "video/", "audio/"]


class Endpoints(_Section):
    twitter_syndication: str
    twitter_oembed: str
    bluesky_appview: str
    reddit: str
    telegram: str
    youtube: str
    tiktok: str
    meta_oembed: str
    threads_oembed: str
    wayback: str
    memento_timemap: str
    #: The Wayback CDX server lives on web.archive.org, apart from the availability API.
    wayback_cdx: str = "https://web.archive.org"
    #: The platforms' embed pages, which ``--screenshot`` renders (docs/screenshots.md).
    twitter_embed: str = "https://platform.twitter.com"
    bluesky_embed: str = "https://embed.bsky.app"
    reddit_embed: str = "https://embed.reddit.com"

    def base(self, name: str) -> str:
        """An endpoint's base URL without a trailing slash."""
        return str(getattr(self, name)).rstrip("/")


class ExportSettings(_Section):
    source_organization: str = ""
    contact_name: str = ""
    contact_email: str = ""
    description: str = ""


class TimestampSettings(_Section):
    """``[timestamps]``: RFC 3161 authorities asked for proof of when (docs/evidence.md)."""

    enabled: bool = True
    authorities: list[str] = []
    timeout_seconds: float = 10.0
    #: PEM files of more certificates to trust (the chain of an authority added above).
    certificates: list[str] = []


class ScreenshotSettings(_Section):
    """``[screenshot]``: how ``--screenshot`` renders posts (docs/screenshots.md)."""

    #: The Chromium to run; "" finds the system's ``chromium``.
    browser: str = ""
    concurrency: int = Field(default=4, ge=1)
    page_deadline_seconds: float = Field(default=30.0, gt=0)
    viewport_width: int = Field(default=800, ge=100)
    viewport_height: int = Field(default=600, ge=100)


class Settings(_Section):
    archive: ArchiveSettings
    http: HttpSettings
    documents: DocumentSettings
    media: MediaSettings
    endpoints: Endpoints
    export: ExportSettings
    timestamps: TimestampSettings = TimestampSettings()
    network: NetworkSettings = NetworkSettings()
    screenshot: ScreenshotSettings = ScreenshotSettings()
    store: StoreSettings = StoreSettings()


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path | Traversable) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc


def load_settings(user_file: str | Path | None = None) -> Settings:
    """Defaults, then ``user_file`` (or ``$ARCHIVER_CONFIG``) merged over them."""
    data = _read_toml(DEFAULT_CONFIG)
    chosen = user_file or os.environ.get(CONFIG_ENV)
    if chosen:
        data = _merge(data, _read_toml(Path(chosen)))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"config key {where}: {first['msg']}") from exc


def archive_home(settings: Settings, override: str | Path | None = None) -> Path:
    """The archive home: ``--home``, else ``$ARCHIVER_HOME``, else the config's."""
    return Path(override or os.environ.get(HOME_ENV) or settings.archive.home)


def store_url(settings: Settings, override: str | None = None) -> str | None:
    """The archive's database: ``--db``, else ``$ARCHIVER_DB``, else ``[store] url``; None
    for the home's own ``archive.db``."""
    return override or os.environ.get(DB_ENV) or settings.store.url or None
