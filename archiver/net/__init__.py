"""Talking to the network: the one HTTP client and what drives it.

:mod:`~archiver.net.client` is the only place a request is made (retries, deadlines,
politeness from :mod:`~archiver.net.politeness`, bodies read within caps by
:mod:`~archiver.net.body`), :mod:`~archiver.net.warc` keeps every exchange as evidence,
and :mod:`~archiver.net.fetch` performs a platform's sans-I/O fetch steps through it.
"""
