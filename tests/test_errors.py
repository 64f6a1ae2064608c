"""The one error hierarchy: every error class archiver defines is an ArchiverError."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import archiver
from archiver.errors import EXIT_USAGE, ArchiverError


def _archiver_modules() -> list[str]:
    found = pkgutil.walk_packages(archiver.__path__, prefix="archiver.")
    return [name for _, name, _ in found if name != "archiver.__main__"]  # that one runs the CLI


def test_every_error_class_derives_from_archiver_error() -> None:
    classes = {
        cls
        for name in _archiver_modules()
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__.startswith("archiver.")
    }
    # The ones the issue names, so a rename or a lost import cannot empty the check.
    assert {"ConfigError", "StoreError", "FetchError", "ExportError", "DocumentError"} <= {
        cls.__name__ for cls in classes
    }
    assert [cls for cls in classes if not issubclass(cls, ArchiverError)] == []


def test_errors_module_imports_nothing_of_archiver() -> None:
    tree = ast.parse(Path(archiver.__file__).with_name("errors.py").read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.split(".")[0] == "archiver"]


def test_user_message_is_one_line() -> None:
    error = ArchiverError("cannot read /tmp/a\nb.toml:\tline 3; fix it")
    assert error.user_message == "cannot read /tmp/a b.toml: line 3; fix it"
    assert ArchiverError().user_message == "ArchiverError"
    assert error.exit_code == EXIT_USAGE
