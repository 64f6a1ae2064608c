"""The normalised post record: one shape for every platform, and its content hash.

Citations must survive platform redesigns, so every adapter reduces what it reads
to this one documented, versioned record (see docs/record.md). The content hash
covers only the fields a citation relies on; volatile counts and capture details
stay outside it, so re-capturing an unchanged post yields the same hash.

This module imports nothing else from archiver: every other layer may import it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA = "archiver.post/1"

PlatformName = Literal[
    "twitter",
    "mastodon",
    "bluesky",
    "reddit",
    "telegram",
    "youtube",
    "tiktok",
    "instagram",
    "facebook",
    "threads",
    "web",
]
#: The same names at run time (:data:`archiver.vocabulary.PLATFORMS` spells them out for
#: the command line; a test keeps the two equal).
PLATFORMS: tuple[str, ...] = get_args(PlatformName)
MediaKind = Literal["photo", "video", "gif", "audio", "unknown"]

#: How a capture was made. Embeds and flattened text come from saved documents;
#: page-meta from a saved or fetched single-post page; api/oembed/widget from live fetches.
CaptureMethod = Literal[
    "embed-html",
    "text-embed",
    "page-meta",
    "api",
    "oembed",
    "activitypub",
    "widget",
]

#: The record fields that the content hash covers, in documentation order.
HASHED_FIELDS: tuple[str, ...] = (
    "schema",
    "key",
    "platform",
    "post_id",
    "url",
    "author",
    "created_at",
    "title",
    "text",
    "lang",
    "media",
    "links",
    "hashtags",
    "mentions",
    "in_reply_to",
    "quotes",
)
#: Sub-fields of each media item that the hash covers (downloads add sha256/blob later).
HASHED_MEDIA_FIELDS: tuple[str, ...] = ("kind", "url", "alt")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: ``scheme://user:password@`` (or ``//user@``): the authority up to its last ``@``, as
#: ``urllib.parse.urlsplit`` reads it.
_USERINFO = re.compile(r"^(\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#]*@")
_MAYBE_USERINFO = re.compile(r"//[^/?#\n]*@")
_UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def without_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` before its host; anything else unchanged.

    Credentials in a URL someone pasted must never reach a key, a record, a bundle or a
    citation, so a :class:`Post` removes it from every URL field it holds.
    """
    if "@" not in url:
        return url
    return _USERINFO.sub(r"\1", url)  # anchored at ^: it matches at most once


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Author(_Model):
    name: str | None = None
    handle: str | None = None
    id: str | None = None
    url: str | None = None


class Media(_Model):
    kind: MediaKind = "unknown"
    url: str
    alt: str | None = None
    #: Filled when the file itself was downloaded (``add --media``): evidence, not citation.
    sha256: str | None = None
    content_type: str | None = None


class Capture(_Model):
    method: CaptureMethod
    #: The URL read (without user info), or the document's name.
    source: str
    captured_at: str
    raw_sha256: str

    @field_validator("captured_at")
    @classmethod
    def _utc(cls, value: str) -> str:
        if not _UTC_TIME.match(value):
            raise ValueError(f"captured_at must be UTC ISO 8601 ending in Z, got {value!r}")
        return value


class Post(_Model):
    """One post as archiver keeps it. ``post_id`` is always a string (ids exceed 2**53)."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    key: str = ""
    platform: PlatformName
    post_id: str
    url: str
    author: Author = Field(default_factory=Author)
    created_at: str | None = None
    title: str | None = None
    text: str = ""
    #: True when the source is known to hold only part of the text (long X posts, FB embeds).
    text_truncated: bool = False
    lang: str | None = None
    media: list[Media] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    in_reply_to: str | None = None
    quotes: list[str] = Field(default_factory=list)
    metrics: dict[str, int] = Field(default_factory=dict)
    content_hash: str = ""
    capture: Capture

    model_config = ConfigDict(extra="forbid", validate_assignment=False, populate_by_name=True)

    @field_validator("post_id", mode="before")
    @classmethod
    def _id_is_string(cls, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError("post_id must be a string")
        text = str(value).strip()
        if not text:
            raise ValueError("post_id must not be empty")
        return text

    @field_validator("created_at")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is None or _DATE_ONLY.match(value) or _UTC_TIME.match(value):
            return value
        raise ValueError(f"created_at must be YYYY-MM-DD or UTC ...Z, got {value!r}")

    def model_post_init(self, __context: Any) -> None:
        if _holds_credentials(self):
            _drop_credentials(self)
        self.key = f"{self.platform}:{self.post_id}"
        self.content_hash = content_hash(self)

    def with_changes(self, **changes: Any) -> Post:
        """A copy with ``changes`` applied and key and content hash recomputed."""
        copy = self.model_copy(update=changes, deep=True)
        copy.model_post_init(None)
        return copy

    def to_json_dict(self) -> dict[str, Any]:
        """The record as documented: JSON-ready, with ``schema`` spelled as such."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


def _holds_credentials(post: Post) -> bool:
    """Whether any URL of ``post`` (a web page's id is one) may carry user info.

    Runs for every record built, so it reads all the URLs as one string; a ``//…@`` that
    is no user info (``/a//b@c``) only costs :func:`_drop_credentials` a look.

    The lines marked ``no mutate`` hold only equivalent mutants: another placeholder than
    ``""`` or a separator around the line break adds no ``@`` (and the search never crosses
    a line break), and a ``None`` placeholder or a failed first join only sends the URLs to
    the second join, which reads the same strings.
    """
    values = post.__dict__
    urls = [
        values["post_id"],
        values["url"],
        values["in_reply_to"] or "",  # pragma: no mutate
        getattr(values["author"], "url", None) or "",  # pragma: no mutate
        getattr(values["capture"], "source", ""),  # pragma: no mutate
        *values["links"],
        *values["quotes"],
        *[getattr(item, "url", "") for item in values["media"]],  # pragma: no mutate
    ]
    try:
        joined = "\n".join(urls)  # pragma: no mutate
    except TypeError:  # a value slipped in unvalidated (see content_hash)
        joined = "\n".join(url for url in urls if isinstance(url, str))  # pragma: no mutate
    return "@" in joined and _MAYBE_USERINFO.search(joined) is not None


def _drop_credentials(post: Post) -> None:
    """Remove user info from every URL of ``post``, in place (before key and hash)."""
    clean = without_userinfo
    post.post_id, post.url = clean(post.post_id), clean(post.url)
    post.in_reply_to = clean(post.in_reply_to) if post.in_reply_to else post.in_reply_to
    post.links = [clean(url) for url in post.links]
    post.quotes = [clean(url) for url in post.quotes]
    if post.author.url:
        post.author = post.author.model_copy(update={"url": clean(post.author.url)})
    post.media = [item.model_copy(update={"url": clean(item.url)}) for item in post.media]
    post.capture = post.capture.model_copy(update={"source": clean(post.capture.source)})


def hashed_view(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a record (as a JSON dict) that the content hash covers."""
    view = {name: record.get(name) for name in HASHED_FIELDS}
    view["media"] = [
        {name: item.get(name) for name in HASHED_MEDIA_FIELDS} for item in record.get("media") or []
    ]
    return view


def canonical_json(view: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON of a hashed view.

    The hashed fields hold only strings, booleans, nulls, lists and objects with ASCII
    keys; for those, JCS is exactly ``json.dumps`` with sorted keys, no whitespace and
    no ASCII escaping (same string escapes, same key order), which is an order of
    magnitude faster than the general ``rfc8785`` encoder. Anything else (a number
    slipped in by a caller's dict) goes through ``rfc8785`` itself. A property test
    checks the two agree.
    """
    if _jcs_plain(view):
        text = json.dumps(
            view,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,  # pragma: no mutate (None is as false as False)
        )
        return text.encode()  # str.encode writes UTF-8
    return rfc8785.dumps(view)


def _jcs_plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` as JCS does. Its scalar test is marked
    ``no mutate``: a mutant that answers False there only sends every view to ``rfc8785``,
    which writes the same bytes, slower (bench/bench_extract.py measures it; tests cannot)."""
    if value is None or isinstance(value, str | bool):  # pragma: no mutate
        return True  # pragma: no mutate
    if isinstance(value, list):
        return all(_jcs_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _jcs_plain(v) for k, v in value.items())
    return False


def content_hash_of_dict(record: dict[str, Any]) -> str:
    """``sha256:`` + hex digest of the RFC 8785 canonical JSON of :func:`hashed_view`."""
    return "sha256:" + hashlib.sha256(canonical_json(hashed_view(record))).hexdigest()


def content_hash(post: Post) -> str:
    # A mutant that never takes the fast path gives the same hash, slower: speed only.
    canonical = _post_canonical_json(post)  # pragma: no mutate
    if canonical is None:  # a value slipped in unvalidated: take the general path
        return content_hash_of_dict(post.model_dump(mode="json", by_alias=True))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()  # encode: UTF-8


# The hashed view of a validated Post, serialised straight from its attributes: the same
# bytes as canonical_json(hashed_view(post.model_dump(mode="json"))) (keys in sorted
# order, no whitespace, json's own string escaping), without the dump, the view and a
# recursive type check for every record. Any value that is not a str or None in the
# expected lists/Author/Media (possible after an unvalidated model_copy) returns None, and
# the general path runs. Worth its risk: it hashes a record several times faster than the
# json.dumps or rfc8785 paths (bench/bench_extract.py prints all three; extraction stays
# within 1.5x of the bare parse only with it), and a Hypothesis test in
# tests/test_record.py compares it byte for byte with rfc8785 over generated posts with
# every hashed field populated.
_ENCODE = json.encoder.encode_basestring
_LIST_ONLY = frozenset({list})


def _post_canonical_json(post: Post) -> str | None:
    values = post.__dict__
    author, media = values["author"], values["media"]
    lists = (values["hashtags"], values["links"], values["mentions"], values["quotes"])
    if type(author) is not Author or type(media) is not list or set(map(type, lists)) - _LIST_ONLY:
        return None
    who = author.__dict__
    scalars = (
        *(who["handle"], who["id"], who["name"], who["url"]),
        *(values["created_at"], values["in_reply_to"], values["key"], values["lang"]),
        *(values["platform"], values["post_id"], values["schema_"], values["text"]),
        *(values["title"], values["url"]),
    )
    try:  # the string encoder refuses anything but a str: numbers take the general path
        encoded = ["null" if value is None else _ENCODE(value) for value in scalars]
        tags, links, mentions, quotes = [
            "[" + ",".join(map(_ENCODE, items)) + "]"
            if items  # pragma: no mutate ("[" + "" + "]" is "[]": the test saves a join)
            else "[]"
            for items in lists
        ]
        media_json = _media_json(media)
    except TypeError:
        return None
    if media_json is None:
        return None
    handle, id_, name, url, created, reply, key, lang = encoded[:8]
    platform, post_id, schema, text, title, link = encoded[8:]
    return (
        f'{{"author":{{"handle":{handle},"id":{id_},"name":{name},"url":{url}}},'
        f'"created_at":{created},"hashtags":{tags},"in_reply_to":{reply},"key":{key},'
        f'"lang":{lang},"links":{links},"media":{media_json},"mentions":{mentions},'
        f'"platform":{platform},"post_id":{post_id},"quotes":{quotes},"schema":{schema},'
        f'"text":{text},"title":{title},"url":{link}}}'
    )


def _media_json(media: list[Any]) -> str | None:
    entries: list[str] = []
    for item in media:
        if type(item) is not Media:
            return None
        fields = item.__dict__
        alt = fields["alt"]
        alt_json = "null" if alt is None else _ENCODE(alt)
        entries.append(
            f'{{"alt":{alt_json},"kind":{_ENCODE(fields["kind"])},"url":{_ENCODE(fields["url"])}}}'
        )
    return "[" + ",".join(entries) + "]"


def utc_now() -> str:
    """Current time as the record's UTC form, second precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc_iso(moment: datetime) -> str:
    """A timezone-aware datetime as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        fraction = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return fraction.rstrip("0") + "Z"  # pragma: no mutate (no X to strip in a time)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(value: str) -> str | None:
    """Any ISO 8601 timestamp with an offset (or ``Z``) to the record's UTC form."""
    try:
        moment = datetime.fromisoformat(value.strip())  # Python 3.11 reads a final Z
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return to_utc_iso(moment)


def from_epoch(seconds: float | int | str) -> str:
    return to_utc_iso(datetime.fromtimestamp(float(seconds), tz=UTC))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
