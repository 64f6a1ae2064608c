"""The words every command reads (archiver/vocabulary.py)."""

from typing import get_args

from archiver import record, vocabulary


def test_platforms_are_the_records_platforms() -> None:
    # vocabulary spells the names out so that reading options does not load the record's
    # models; a platform added to the record must reach every --platform option too.
    assert vocabulary.PLATFORMS == record.PLATFORMS
    assert set(vocabulary.PLATFORMS) == set(get_args(record.PlatformName))


def test_every_alias_names_a_platform() -> None:
    assert set(vocabulary.PLATFORM_ALIASES.values()) <= set(vocabulary.PLATFORMS)
