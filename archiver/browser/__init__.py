"""The browser half of archiver: headless Chromium for ``--screenshot``, held to the same
address guard and limits as the HTTP client (see docs/screenshots.md).

Nothing here is imported unless a screenshot is asked for; Playwright only inside
:mod:`archiver.browser.chromium` and :mod:`archiver.browser.screenshot`'s functions.
"""
