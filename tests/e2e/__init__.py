"""End-to-end tests: the ``archiver`` command line against a local server that replays
the platforms (see :mod:`tests.e2e.replay`)."""
