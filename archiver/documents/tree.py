"""Building only the part of a saved page's tree that can hold embeds, and walking it.

Tree building is most of what reading a saved article costs: bs4 turns every tag and
string into Python objects. Embeds are a small part of a page, so :mod:`archiver.documents`
asks bs4 to build only the elements that some platform's
:class:`~archiver.platforms.base.EmbedRule` could match (with everything inside them),
through a ``parse_only`` filter made here from the rules themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Protocol

from bs4 import BeautifulSoup, SoupStrainer, Tag
from bs4.element import AttributeDict

from archiver.platforms.base import EmbedRule

#: Attributes bs4 splits into lists; a rule's pattern on one is left to ``EmbedRule.matches``.
_LIST_VALUED = frozenset(
    {"class", "accesskey", "dropzone", "rel", "rev", "headers", "accept-charset", "archive"}
    | {"sizes", "sandbox", "for"}
)

#: Rules as the filter tests them: any of some class names (one pattern that finds any
#: of them in the raw ``class`` value, or None for no class test), attribute, pattern.
_Check = tuple[re.Pattern[str] | None, str | None, re.Pattern[str] | None]


class Claims(Protocol):
    """Elements that hold an embed some other way than a rule says (the wrappers of
    :mod:`archiver.documents.wrappers`): asked only about elements named in ``names``."""

    names: frozenset[str]

    def claims(self, name: str, attrs: Mapping[str, object]) -> bool: ...


class EmbedCandidates(SoupStrainer):
    """Which top-level elements bs4 builds: those a rule may match, plus ``figure``.

    A ``SoupStrainer`` over the rules' tag names (and :attr:`ALWAYS`, and the names a
    ``claims`` may claim) whose
    ``allow_tag_creation`` (the hook bs4 documents for choosing which tags a
    ``parse_only`` filter builds) also asks for the rule's class or attribute. bs4
    consults the filter only while no admitted element is open, so an admitted element
    is built with its whole subtree (an embed's inner ``<p>``, links, ``<br>``) and a
    candidate nested anywhere else is admitted by itself; a strainer with name rules
    builds no string outside them. The test here is looser than
    :meth:`EmbedRule.matches` (class names as substrings of the raw attribute, raw
    values), which the walk still applies to the built element. Tags that change how bs4
    builds the strings inside them (``pre``, ``textarea``, ``template``, ruby text) are
    kept too, so an embed inside one reads as it would in a full parse.
    """

    ALWAYS = frozenset({"figure", "pre", "textarea", "template", "rt", "rp"})

    def __init__(
        self, rules: Mapping[str, tuple[EmbedRule, ...]], claims: Claims | None = None
    ) -> None:
        held = claims.names if claims is not None else frozenset()
        super().__init__(name=sorted(self.ALWAYS | frozenset(rules) | held))
        self._checks: dict[str, tuple[_Check, ...]] = {
            tag: _checks(tag_rules) for tag, tag_rules in rules.items()
        }
        self._claims = claims

    def allow_tag_creation(
        self, nsprefix: str | None, name: str, attrs: Mapping[str, str] | None
    ) -> bool:
        checks = self._checks.get(name)
        if checks is not None:
            attrs = attrs or {}
            for classes, attr, pattern in checks:
                if classes is not None:
                    shown = attrs.get("class")
                    if not shown or classes.search(shown) is None:
                        continue
                if attr is not None:
                    value = attrs.get(attr)
                    if value is None or (pattern is not None and not pattern.search(str(value))):
                        continue
                return True
        if name in self.ALWAYS:
            return True
        claims = self._claims
        return claims is not None and name in claims.names and claims.claims(name, attrs or {})


def embed_tree(
    text: str, rules: Mapping[str, tuple[EmbedRule, ...]], claims: Claims | None = None
) -> BeautifulSoup:
    """The page parsed by lxml, with only its embed candidates built (see the filter);
    ``claims`` admits the elements it claims too.

    ``attribute_dict_class=AttributeDict`` (a documented tree-builder option) is a
    measured speed-up, about a tenth of the extraction benchmark's time: bs4's lxml
    builder otherwise stores every attribute through a subclass whose ``__setitem__``
    only turns ``None`` and numbers into strings, and lxml hands over nothing but
    strings. ``tests/documents/test_tree.py`` checks that every element of every
    fixture page gets the same attributes as in a default parse, so a bs4 that starts
    to need its own dictionary here fails there.
    """
    return BeautifulSoup(
        text,
        "lxml",
        parse_only=EmbedCandidates(rules, claims),
        attribute_dict_class=AttributeDict,
    )


def _checks(rules: tuple[EmbedRule, ...]) -> tuple[_Check, ...]:
    """One check per attribute test the rules make, the class names of rules that make
    the same one merged into one pattern: a blockquote is then asked three questions,
    not one per platform. A rule without class names leaves its check without a class
    test (it passes whatever the merged names say)."""
    merged: dict[tuple[str | None, re.Pattern[str] | None], set[str] | None] = {}
    for rule in rules:
        key = rule.attr, None if rule.attr in _LIST_VALUED else rule.pattern
        names = merged.setdefault(key, set())
        if names is None or not rule.classes:
            merged[key] = None
        else:
            names.update(rule.classes)
    return tuple(
        (_any_of(names) if names is not None else None, attr, pattern)
        for (attr, pattern), names in merged.items()
    )


def _any_of(names: set[str]) -> re.Pattern[str]:
    """Finds any of ``names`` in a raw ``class`` value, as a substring (see the filter)."""
    return re.compile("|".join(re.escape(name) for name in sorted(names)))


def tags_named(
    soup: BeautifulSoup, names: frozenset[str], claims: Claims | None = None
) -> Iterator[Tag]:
    """Elements with one of ``names`` (or that ``claims`` claims), in document order: the
    single walk of the tree.

    The same as ``soup.find_all(list(names))``, without bs4's per-element filter
    machinery, which costs several times the walk itself on a large article.
    """
    if claims is None:
        for node in soup.descendants:
            if isinstance(node, Tag) and node.name in names:
                yield node
        return
    held = claims.names
    for node in soup.descendants:
        if isinstance(node, Tag) and (
            node.name in names or (node.name in held and claims.claims(node.name, node.attrs))
        ):
            yield node
