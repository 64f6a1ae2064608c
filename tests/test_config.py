from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import DEFAULT_CONFIG, ConfigError, archive_home, load_settings

REPO = Path(__file__).resolve().parent.parent


def test_the_packaged_defaults_are_the_documented_copy() -> None:
    """The package reads ``archiver/default.toml`` (so an installed wheel finds it);
    ``config/default.toml`` is the copy people read and edit. They must not drift."""
    documented = (REPO / "config" / "default.toml").read_bytes()
    assert DEFAULT_CONFIG.read_bytes() == documented, (
        "config/default.toml and archiver/default.toml differ: after editing the first, run "
        "cp config/default.toml archiver/default.toml"
    )


def test_defaults_load() -> None:
    settings = load_settings()
    assert settings.endpoints.base("twitter_syndication") == "https://cdn.syndication.twimg.com"
    assert settings.http.max_attempts >= 1


def test_user_file_overrides_key_by_key(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[endpoints]\ntwitter_syndication = "http://127.0.0.1:9/"\n[http]\nconcurrency = 3\n'
    )
    settings = load_settings(user)
    assert settings.endpoints.base("twitter_syndication") == "http://127.0.0.1:9"
    assert settings.endpoints.bluesky_appview == "https://public.api.bsky.app"
    assert settings.http.concurrency == 3


def test_env_var_names_the_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "env.toml"
    user.write_text('[archive]\nhome = "/srv/archive"\n')
    monkeypatch.setenv("ARCHIVER_CONFIG", str(user))
    monkeypatch.delenv("ARCHIVER_HOME", raising=False)
    settings = load_settings()
    assert archive_home(settings) == Path("/srv/archive")
    monkeypatch.setenv("ARCHIVER_HOME", str(tmp_path))
    assert archive_home(settings) == tmp_path
    assert archive_home(settings, tmp_path / "x") == tmp_path / "x"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[http\n", "not valid TOML"),
        ("[http]\nconcurrency = 'many'\n", "http.concurrency"),
        ("[nonsense]\nx = 1\n", "nonsense"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(user)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml")
