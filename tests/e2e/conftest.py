"""The replay server and its config, for every end-to-end test."""

from tests.e2e.replay import replay, replay_config, replay_server

__all__ = ["replay", "replay_config", "replay_server"]
