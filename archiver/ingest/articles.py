"""Articles and the posts they cite: the link stored, each post fetched live.

Given an article (a page fetched by URL, or a saved copy added with ``--fetch``),
``add`` keeps the page as evidence (its own ``web`` record, whose capture is the page)
and every post the page embeds or links to in its body: the embeds as the page shows
them (a capture of the page's bytes, as for any saved document) and each post fetched
live afterwards. The citation itself, article to post, is stored as soon as the article
is (:mod:`archiver.store.citations`), before any post is fetched: a post whose fetch
fails is still cited, and a later run of the same article fetches it.

An :class:`Articles` collects one run's articles: what each cites, the observations to
store with it, and the post URLs to fetch, each with the article that cites it (so a
failure can say where the post was cited).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archiver.documents import DocumentResult, extract_bytes
from archiver.documents.articles import read_article_page
from archiver.platforms.page_meta import ParsedPage, parse_page
from archiver.platforms.registry import REGISTRY, Registry
from archiver.record import Post
from archiver.store import Archive, Evidence, Observation
from archiver.store.citations import Citation, cited_in, record_citations

if TYPE_CHECKING:  # saved documents are read without loading the network half
    from archiver.net.client import ResponseEvidence

#: How embeds read from a page are recorded; the page's own record (``page-meta``) and
#: generic pages are no posts it cites.
_EMBED_METHODS = frozenset({"embed-html", "text-embed"})
_MARKUP = ("html", "xml")


def fetchable_urls(posts: Iterable[Post], router: Registry = REGISTRY) -> list[str]:
    """The URLs of ``posts`` that name them, for ``add --fetch``: posts found in flattened
    text without an id (their URL is the author's profile) and generic pages are left out."""
    urls = []
    for post in posts:
        found = router.match_social(post.url)
        if found is not None and found.ref.key == post.key:
            urls.append(post.url)
    return urls


@dataclass(frozen=True)
class Cited:
    """What one article cites: every post in order (its embeds in page order, then the
    posts its body links to), and the URLs of those that can be fetched live."""

    article_key: str
    article_url: str
    citations: list[Citation]
    fetch: list[str]


def cited_by(
    article: Post, embedded: Sequence[Post], linked: Sequence[str], router: Registry = REGISTRY
) -> Cited:
    """The citations of ``article``: the posts read from its embeds, then those only
    linked; a post both embedded and linked is cited once, as embedded."""
    citations, fetch = _citations(embedded, linked, router, {article.key})
    return Cited(article.key, article.url, citations, fetch)


def _citations(
    embedded: Sequence[Post], linked: Sequence[str], router: Registry, seen: set[str]
) -> tuple[list[Citation], list[str]]:
    """Each post once, embeds first, and the URLs to fetch (those that name a post)."""
    citations: list[Citation] = []
    fetch = fetchable_urls(embedded, router)
    for post in embedded:
        if post.key not in seen and post.platform != "web":
            seen.add(post.key)
            citations.append(Citation(post.key, post.url, "embed"))
    for url in linked:
        key = router.key_of(url)
        if key is not None and key not in seen:
            seen.add(key)
            citations.append(Citation(key, url, "link"))
            fetch.append(url)
    return citations, fetch


def embeds_of(posts: Iterable[Post]) -> list[Post]:
    """The records of ``posts`` a page's embeds gave (not the page read as a post)."""
    return [p for p in posts if p.capture.method in _EMBED_METHODS and p.platform != "web"]


@dataclass
class Articles:
    """The articles of one run, what they cite, and the cited posts still to fetch."""

    router: Registry = REGISTRY
    #: Articles whose citations are stored once the article itself is.
    pending: list[Cited] = field(default_factory=list)
    #: Post URL -> the URL of the (first) article citing it, in the order found.
    to_fetch: dict[str, str] = field(default_factory=dict)

    def fetched_page(
        self,
        article: Post,
        evidence: Sequence[ResponseEvidence],
        parsed: ParsedPage | None = None,
    ) -> list[Observation]:
        """A page fetched live and archived as ``article``: the observations of the posts it
        embeds (their evidence the page's response), its citations noted. Nothing for an
        answer that is no page (a PDF, an image) or a post of a platform. ``parsed`` is
        the page as the fetch already parsed it; the page is parsed here only without it."""
        page = _page_response(evidence) if article.platform == "web" else None
        if page is None:
            return []
        if parsed is None or parsed.raw_sha256 != page.sha256:
            parsed = parse_page(page.body, page.content_type)
        # A page cut short for its metadata is read again whole, by the readers' own
        # trees: a very long article's last embeds are cited as much as its first.
        tree = parsed.soup if parsed.whole else None
        # Links first: reading embeds may take elements apart, links need them whole.
        linked = read_article_page(page.body, page.final_url, tree=tree).linked
        document = extract_bytes(page.body, page.final_url, captured_at=page.received_at, tree=tree)
        embedded = embeds_of(document.posts)
        self._note(cited_by(article, embedded, linked, self.router))
        proof = [response_evidence(page)]
        return [Observation.of_post(post, proof) for post in embedded]

    def saved_document(self, result: DocumentResult, *, keep_path: bool) -> tuple[Post | None, str]:
        """A saved page added with ``--fetch``: its own ``web`` record when the page names
        its address (None when it names none: its posts are fetched, but cannot be linked
        to it), and a warning to show (empty when none)."""
        posts = result.posts
        own_post = any(p.capture.method == "page-meta" and p.platform != "web" for p in posts)
        if result.kind != "html" or own_post:  # plain text, or a saved post's own page
            self._fetch(fetchable_urls(result.posts, self.router), result.source)
            return None, ""
        page = read_article_page(
            result.raw, result.source, captured_at=_captured_at(result), keep_path=keep_path
        )
        own = [p for p in result.posts if p.platform == "web" and p.capture.method == "page-meta"]
        article = own[0] if own else page.record
        embedded = embeds_of(result.posts)
        if article is None:
            self._fetch(_citations(embedded, page.linked, self.router, set())[1], result.source)
            return None, (
                f"{result.source} names no address of its own (no canonical link or og:url): "
                "the posts it cites are fetched but not linked to it"
            )
        self._note(cited_by(article, embedded, page.linked, self.router))
        return (None if own else article), ""

    def store(self, archive: Archive) -> None:
        """Record the citations of every article noted so far and stored (an article
        page with nothing to keep, not even a title, was not stored and cites nothing)."""
        if not self.pending:
            return
        stored = archive.get_many([cited.article_key for cited in self.pending])
        for cited in self.pending:
            if cited.article_key in stored:
                record_citations(archive, cited.article_key, cited.citations)
        self.pending.clear()

    def resume(self, archive: Archive, article_keys: Iterable[str]) -> None:
        """Articles already archived (skipped this run): fetch again what they cite (the
        fetch skips what was archived live), so re-running an article finishes the posts
        whose fetch failed."""
        for key in article_keys:
            for citation in cited_in(archive, key):
                found = self.router.match_social(citation.url)
                if found is not None and found.ref.key == citation.post_key:
                    self.to_fetch.setdefault(citation.url, key.removeprefix("web:"))

    def _note(self, cited: Cited) -> None:
        if cited.citations:
            self.pending.append(cited)
        self._fetch(cited.fetch, cited.article_url)

    def _fetch(self, urls: Iterable[str], article: str) -> None:
        for url in urls:
            self.to_fetch.setdefault(url, article)


def response_evidence(item: ResponseEvidence) -> Evidence:
    """A response read live, as store evidence (its bytes kept, its WARC record named)."""
    return Evidence(
        url=item.final_url,
        body=item.body,
        http_status=item.status,
        content_type=item.content_type,
        purpose=item.purpose,
        warc_file=item.warc.file if item.warc else None,
        warc_offset=item.warc.offset if item.warc else None,
        warc_record_id=item.warc.record_id if item.warc else None,
    )


def _page_response(evidence: Sequence[ResponseEvidence]) -> ResponseEvidence | None:
    """The response that is the page itself (not an oEmbed answer that completed it)."""
    for item in evidence:
        kind = (item.content_type or "text/html").split(";")[0].strip().lower()
        if item.purpose == "page" and 200 <= item.status < 300 and kind.endswith(_MARKUP):
            return item
    return None


def _captured_at(result: DocumentResult) -> str | None:
    return result.posts[0].capture.captured_at if result.posts else None
