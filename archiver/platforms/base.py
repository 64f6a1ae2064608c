"""The contract every platform module fulfils, in the sans-I/O style of h11.

A platform module never opens a socket, touches the store or prints. It says:

* which URLs are its posts (:meth:`Platform.match`), and which are short links to resolve;
* how its embeds look in saved HTML (:attr:`Platform.embed_rules`) and in flattened
  plain text (:meth:`Platform.text_embeds`);
* which request fetches a post (:meth:`Platform.first_request`) and how to read the
  answer (:meth:`Platform.read_response`): a record, a typed "gone: reason", or the
  next request to make (a fallback endpoint, an author lookup).

The HTTP layer performs the requests, so retries, politeness and evidence capture live
in one place and every parser is a pure function testable from fixtures alone.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from bs4 import Tag

from archiver.config import Endpoints
from archiver.errors import EXIT_PARTIAL, ArchiverError
from archiver.platforms.challenge import challenge_page
from archiver.platforms.urls import clean_url, host_of
from archiver.record import (
    Author,
    Capture,
    CaptureMethod,
    PlatformName,
    Post,
    sha256_hex,
    utc_now,
)

if TYPE_CHECKING:  # page_meta reads pages with this module's types
    from archiver.platforms.page_meta import ParsedPage


class Reason(StrEnum):
    """Why a platform will not show a post. Never used for archiver's own failures."""

    DELETED = "deleted"
    NOT_FOUND = "not_found"
    PRIVATE = "private"
    SUSPENDED = "suspended"
    LOGIN_REQUIRED = "login_required"
    REGION_LOCKED = "region_locked"
    EMBEDDING_DISABLED = "embedding_disabled"
    AGE_RESTRICTED = "age_restricted"
    BLOCKED = "blocked"


class ParseError(ArchiverError):
    """A response or document did not have the shape its platform promises."""

    exit_code = EXIT_PARTIAL


@dataclass(frozen=True)
class PostRef:
    """A post recognised from a URL, before anything is fetched."""

    platform: PlatformName
    post_id: str
    url: str
    handle: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.post_id}"


@dataclass(frozen=True)
class Request:
    """One GET the HTTP layer should make on a platform's behalf.

    ``purpose`` names the step, so :meth:`Platform.read_response` knows how to read
    the answer; ``carry`` holds a partial record that a follow-up step completes.
    ``fallback`` is the platform's other endpoint for the same post, which the fetch
    driver (:func:`archiver.net.fetch.fetch_url`) asks when this one keeps failing after
    every retry (5xx, 429, timeouts), not only when it answers "not found".
    """

    url: str
    purpose: str = "post"
    method: CaptureMethod = "api"
    headers: tuple[tuple[str, str], ...] = ()
    browser: bool = False
    carry: Post | None = None
    fallback: Request | None = None


@dataclass(frozen=True)
class Response:
    """What the HTTP layer got back: final URL after redirects, lower-case headers."""

    request: Request
    status: int
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    received_at: str = field(default_factory=utc_now)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"expected JSON from {self.url}, got {self.body[:60]!r}") from exc

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def capture(self) -> Capture:
        return Capture(
            method=self.request.method,
            source=self.url,
            captured_at=self.received_at,
            raw_sha256=sha256_hex(self.body),
        )


@dataclass(frozen=True)
class Found:
    post: Post
    #: The page the record was read from, parsed, when it was one (the web adapter):
    #: handed on so the page is not parsed again to read what it cites.
    page: ParsedPage | None = None


@dataclass(frozen=True)
class Gone:
    reason: Reason
    detail: str
    status: int | None = None


@dataclass(frozen=True)
class FollowUp:
    request: Request
    #: The page parsed at this step, handed on as :attr:`Found.page` is.
    page: ParsedPage | None = None


Outcome = Found | Gone | FollowUp

EmbedParser = Callable[[Tag, Capture], Post | None]


@dataclass(frozen=True)
class EmbedRule:
    """How to spot one embed form in saved HTML.

    ``tag`` must match; then any of ``classes`` (if given) and ``attr`` present (if
    given) whose value matches ``pattern`` (if given). Documents walk the parsed tree
    once and hand each matching element to ``parse``; returning ``None`` means
    "not mine after all".
    """

    tag: str
    parse: EmbedParser
    classes: frozenset[str] = frozenset()
    attr: str | None = None
    pattern: re.Pattern[str] | None = None

    def matches(self, element: Tag, classes: Sequence[str] | None = None) -> bool:
        """Whether ``element`` is this rule's form; ``classes``: its class list, when the
        caller has read it already (a page walk asks every rule of a tag about it)."""
        if self.classes:
            shown = element.get_attribute_list("class") if classes is None else classes
            if self.classes.isdisjoint(shown):
                return False
        if self.attr is not None:
            value = element.get(self.attr)
            if value is None:
                return False
            if self.pattern is not None and not self.pattern.search(str(value)):
                return False
        return True


class Platform(ABC):
    """One platform: its URLs, embeds, fetch steps and deletion signals."""

    name: ClassVar[PlatformName]
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = ()
    #: Hosts whose URLs are redirects to resolve before matching (t.co, redd.it...).
    short_link_hosts: ClassVar[frozenset[str]] = frozenset()
    #: Query parameters that name the post in one of its URL shapes (YouTube's ``v``).
    #: A post's canonical URL (:attr:`PostRef.url`) keeps no other parameter.
    post_params: ClassVar[frozenset[str]] = frozenset()
    #: Query parameters this platform adds to its links that never change what they show
    #: (share tracking: X's ``s`` and ``t``, YouTube's ``si``). :meth:`clean_link` drops
    #: them, with the well-known tracking parameters of any site; lower case.
    dropped_params: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def match(self, url: str) -> PostRef | None:
        """The post a URL points at, or ``None`` if the URL is not one of ours."""

    def is_short_link(self, url: str) -> bool:
        """Whether ``url`` only redirects to a post and must be resolved before matching.

        By default any URL on :attr:`short_link_hosts`; platforms whose share links live
        on their main host (``facebook.com/share/p/…``) override this.
        """
        return host_of(url) in self.short_link_hosts

    def clean_link(self, url: str) -> str | None:
        """A link on this platform's hosts in canonical form (:func:`urls.clean_url`)."""
        return clean_url(url, self.dropped_params)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        """Posts found in an article's flattened plain text. Most platforms leave none."""
        return []

    def minimal_post(self, ref: PostRef, capture: Capture) -> Post:
        """The record a bare reference to ``ref`` makes (an embed that holds only the
        post's URL or id: a link-only block, an oEmbed placeholder): what the URL says.
        Platforms whose ids say more (X and TikTok ids hold the time) add it."""
        return Post(
            platform=ref.platform,
            post_id=ref.post_id,
            url=ref.url,
            author=Author(handle=ref.handle),
            capture=capture,
        )

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """The platform's own embed page for ``post``: the card a screenshot shows, as an
        article embedding the post shows it. None where the platform has none (the post's
        own page is rendered then)."""
        return None

    @abstractmethod
    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        """The first request that fetches ``ref``."""

    @abstractmethod
    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        """Read an answer (any status the HTTP layer did not retry) into an outcome.

        Raise :class:`ParseError` when the body is not what the platform sends.
        """

    def read(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        """:meth:`read_response`, with challenge pages set apart: what fetchers call.

        A challenge or anti-bot page (see :mod:`archiver.platforms.challenge`) is a
        refusal of archiver, so whatever the platform module made of it (a "gone"
        reason for its 403, a record of its 200, an answer it could not read) becomes
        ``Gone(BLOCKED)``, which never marks a post gone. At a step that carries a record
        vouched for by an earlier answer, that record is kept instead, as the modules
        themselves do when a follow-up page cannot be read.
        """
        try:
            outcome = self.read_response(ref, response, endpoints)
        except ParseError:
            refused = blocked(response, unreadable=True)
            if refused is None:
                raise
            return _refusal(refused, response)
        if isinstance(outcome, Gone) and outcome.reason is not Reason.BLOCKED:
            refused = blocked(response)
        elif isinstance(outcome, Found):
            refused = blocked(response)
            if refused is not None and outcome.post.capture.raw_sha256 != sha256_hex(response.body):
                refused = None  # a record from an earlier answer, not from this page
        else:
            return outcome
        return outcome if refused is None else _refusal(refused, response)


def _refusal(refused: Gone, response: Response) -> Outcome:
    carry = response.request.carry
    return Found(carry) if carry is not None else refused


def gone_for_status(status: int, detail: str) -> Gone | None:
    """The common reading of a bare HTTP status, for platforms that say nothing more."""
    if status in (404, 410):
        return Gone(Reason.DELETED if status == 410 else Reason.NOT_FOUND, detail, status)
    if status in (401, 403):
        return Gone(Reason.LOGIN_REQUIRED, detail, status)
    if status == 451:
        return Gone(Reason.REGION_LOCKED, detail, status)
    return None


def blocked(response: Response, *, unreadable: bool = False) -> Gone | None:
    """``Gone(BLOCKED)`` when ``response`` is a challenge or anti-bot page, else None."""
    kind = challenge_page(response.status, response.headers, response.body, unreadable=unreadable)
    if kind is None:
        return None
    detail = f"{response.url} answered HTTP {response.status} with {kind}: archiver was refused"
    return Gone(Reason.BLOCKED, detail, response.status)
