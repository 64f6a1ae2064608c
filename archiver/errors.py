"""One error hierarchy: every failure archiver expects carries a user message and an exit code.

The command line maps :class:`ArchiverError` in one place (``archiver.cli.common``), so a
new error class needs no registration: deriving from it is what makes its message reach
the user as one line, with its exit code, instead of an "unexpected error". This module
imports nothing of archiver, so every floor of the package can raise these.
"""

from __future__ import annotations

#: Exit codes: 1 something failed (some items, a check), 2 bad input or an unusable archive,
#: 130 interrupted.
EXIT_PARTIAL, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class ArchiverError(Exception):
    """A failure the user can act on: ``str(exc)`` says what went wrong and what to do."""

    #: Bad input or an unusable archive unless a subclass says otherwise.
    exit_code: int = EXIT_USAGE

    @property
    def user_message(self) -> str:
        """The message as one line: a file name or a wrapped detail cannot break it up."""
        return " ".join(str(self).split()) or type(self).__name__
