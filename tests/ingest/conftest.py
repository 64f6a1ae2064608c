"""The replay server (a local stand-in for the platforms), for CLI tests that fetch."""

from tests.e2e.replay import replay, replay_config, replay_server

__all__ = ["replay", "replay_config", "replay_server"]
