"""Getting posts out of the archive in forms others can cite and check.

:mod:`~archiver.export.cite` renders citations, :mod:`~archiver.export.bundle` writes
BagIt bundles (a directory or a zip), :mod:`~archiver.export.viewer` their ``index.html``,
:mod:`~archiver.export.formats` single-file exports, and :mod:`~archiver.export.verify`
checks a bundle without trusting whoever made it.
"""
