"""Dates and credit lines as embeds print them, in the languages articles are written in.

An embed prints its date and its author's credit in the language of the page or of the
reader: "25. September 2018", "7 janvier 2026", "7 de enero de 2026", "7 января 2026 г.";
"Ein Beitrag geteilt von Name (@handle)", "Publiée par Name sur date". What differs
between languages is words, not rules, so the words are data, in the tables below, and
one set of patterns reads every language: adding a language is adding a row.

Read here: English, German, French, Spanish, Italian, Portuguese, Dutch, Russian,
Turkish, Arabic and Polish month names (full, genitive where a language uses it after a
day, and the abbreviations embeds print), with digits of any script; the date shapes
"D. Month YYYY", "D de Month de YYYY", "Month D, YYYY", "YYYY年M月D日", "YYYY년 M월 D일"
and ISO dates; Instagram's and Facebook's credit lines.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

#: Month names, January first, per language: full names (and the genitive case, which
#: Russian and Polish print after a day number), then abbreviations. Matched without
#: regard to case, with an optional "." after an abbreviation.
MONTHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
        ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
        ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
        ("december", "dec"),
    ),
    "de": (
        ("januar", "jänner", "jan", "jän"), ("februar", "feber", "feb"), ("märz", "mär", "mrz"),
        ("april", "apr"), ("mai",), ("juni", "jun"), ("juli", "jul"), ("august", "aug"),
        ("september", "sept", "sep"), ("oktober", "okt"), ("november", "nov"),
        ("dezember", "dez"),
    ),
    "fr": (
        ("janvier", "janv"), ("février", "févr", "fév"), ("mars",), ("avril", "avr"),
        ("mai",), ("juin",), ("juillet", "juil"), ("août",), ("septembre", "sept"),
        ("octobre", "oct"), ("novembre", "nov"), ("décembre", "déc"),
    ),
    "es": (
        ("enero", "ene"), ("febrero", "feb"), ("marzo", "mar"), ("abril", "abr"),
        ("mayo", "may"), ("junio", "jun"), ("julio", "jul"), ("agosto", "ago"),
        ("septiembre", "setiembre", "sept", "sep", "set"), ("octubre", "oct"),
        ("noviembre", "nov"), ("diciembre", "dic"),
    ),
    "it": (
        ("gennaio", "gen"), ("febbraio", "feb"), ("marzo", "mar"), ("aprile", "apr"),
        ("maggio", "mag"), ("giugno", "giu"), ("luglio", "lug"), ("agosto", "ago"),
        ("settembre", "set"), ("ottobre", "ott"), ("novembre", "nov"), ("dicembre", "dic"),
    ),
    "pt": (
        ("janeiro", "jan"), ("fevereiro", "fev"), ("março", "mar"), ("abril", "abr"),
        ("maio", "mai"), ("junho", "jun"), ("julho", "jul"), ("agosto", "ago"),
        ("setembro", "set"), ("outubro", "out"), ("novembro", "nov"), ("dezembro", "dez"),
    ),
    "nl": (
        ("januari", "jan"), ("februari", "feb"), ("maart", "mrt"), ("april", "apr"),
        ("mei",), ("juni", "jun"), ("juli", "jul"), ("augustus", "aug"),
        ("september", "sept", "sep"), ("oktober", "okt"), ("november", "nov"),
        ("december", "dec"),
    ),
    "ru": (
        ("января", "январь", "янв"), ("февраля", "февраль", "февр", "фев"),
        ("марта", "март", "мар"), ("апреля", "апрель", "апр"), ("мая", "май"),
        ("июня", "июнь", "июн"), ("июля", "июль", "июл"), ("августа", "август", "авг"),
        ("сентября", "сентябрь", "сент", "сен"), ("октября", "октябрь", "окт"),
        ("ноября", "ноябрь", "нояб", "ноя"), ("декабря", "декабрь", "дек"),
    ),
    "tr": (
        ("ocak", "oca"), ("şubat", "şub"), ("mart", "mar"), ("nisan", "nis"),
        ("mayıs", "may"), ("haziran", "haz"), ("temmuz", "tem"), ("ağustos", "ağu"),
        ("eylül", "eyl"), ("ekim", "eki"), ("kasım", "kas"), ("aralık", "ara"),
    ),
    "ar": (
        ("يناير", "كانون الثاني"), ("فبراير", "شباط"), ("مارس", "آذار"),
        ("أبريل", "إبريل", "نيسان"), ("مايو", "أيار"), ("يونيو", "حزيران"),
        ("يوليو", "تموز"), ("أغسطس", "آب"), ("سبتمبر", "أيلول"),
        ("أكتوبر", "تشرين الأول"), ("نوفمبر", "تشرين الثاني"), ("ديسمبر", "كانون الأول"),
    ),
    "pl": (
        ("stycznia", "styczeń", "sty"), ("lutego", "luty", "lut"), ("marca", "marzec", "mar"),
        ("kwietnia", "kwiecień", "kwi"), ("maja", "maj"), ("czerwca", "czerwiec", "cze"),
        ("lipca", "lipiec", "lip"), ("sierpnia", "sierpień", "sie"),
        ("września", "wrzesień", "wrz"), ("października", "październik", "paź"),
        ("listopada", "listopad", "lis"), ("grudnia", "grudzień", "gru"),
    ),
}  # fmt: skip

#: Words that join a date to its clock time ("May 13, 2025 at 11:37 PM", "um 23:37").
TIME_WORDS: tuple[str, ...] = (
    "at", "um", "à", "a las", "a la", "alle", "às", "om", "в", "saat", "في", "o",
)  # fmt: skip

#: How embeds credit a post's author, per language. ``{name}`` is the author's name, then
#: Instagram prints "(@handle)"; ``{date}`` is Facebook's date. Instagram: "A post shared
#: by"; Facebook: "Posted by … on …".
CREDITS: dict[str, tuple[str, ...]] = {
    "en": (
        "A post shared by {name}", "A photo shared by {name}", "A video shared by {name}",
        "A photo posted by {name}", "A video posted by {name}", "Posted by {name} on {date}",
    ),
    "de": (
        "Ein Beitrag geteilt von {name}", "Ein Foto geteilt von {name}",
        "Ein Video geteilt von {name}", "Gepostet von {name} am {date}",
        "Veröffentlicht von {name} am {date}",
    ),
    "fr": (
        "Une publication partagée par {name}", "Une photo publiée par {name}",
        "Publiée par {name} sur {date}", "Publié par {name} sur {date}",
        "Publié par {name} le {date}",
    ),
    "es": (
        "Una publicación compartida de {name}", "Una publicación compartida por {name}",
        "Publicado por {name} en {date}", "Publicada por {name} en {date}",
    ),
    "it": (
        "Un post condiviso da {name}", "Pubblicato da {name} su {date}",
        "Pubblicato da {name} il {date}",
    ),
    "pt": (
        "Uma publicação compartilhada por {name}", "Uma publicação partilhada por {name}",
        "Publicado por {name} em {date}",
    ),
    "nl": ("Een bericht gedeeld door {name}", "Geplaatst door {name} op {date}"),
    "ru": ("Публикация от {name}", "Опубликовано {name} {date}"),
    "tr": ("{name} tarafından paylaşılan bir gönderi", "{name} paylaştı: {date}"),
    "ar": ("تمت مشاركة منشور بواسطة {name}", "تم النشر بواسطة {name} في {date}"),
    "pl": ("Post udostępniony przez {name}", "Opublikowane przez {name} w dniu {date}"),
}  # fmt: skip

#: Instagram's link text where its embed script will draw the post, per language.
VIEW_ON_INSTAGRAM: tuple[str, ...] = (
    "View this post on Instagram", "Diesen Beitrag auf Instagram ansehen",
    "Voir cette publication sur Instagram", "Ver esta publicación en Instagram",
    "Visualizza questo post su Instagram", "Ver essa publicação no Instagram",
    "Ver esta publicação no Instagram", "Dit bericht op Instagram bekijken",
    "Bekijk dit bericht op Instagram", "Посмотреть эту публикацию в Instagram",
    "Bu gönderiyi Instagram'da gör", "عرض هذا المنشور على Instagram",
    "Wyświetl ten post na Instagramie",
)  # fmt: skip


def _month_numbers() -> dict[str, int]:
    numbers: dict[str, int] = {}
    for names in MONTHS.values():
        for number, spellings in enumerate(names, start=1):
            for spelling in spellings:
                if numbers.setdefault(spelling, number) != number:
                    raise ValueError(f"month name {spelling!r} means two months")
    return numbers


_NUMBERS = _month_numbers()
_SP = r"[ \t\u00a0\u202f]"
_MONTH = "(?:" + "|".join(map(re.escape, sorted(_NUMBERS, key=len, reverse=True))) + r")\.?"
#: A day number, in ASCII or Arabic-Indic digits (``int`` reads "٧" as 7); a day the
#: month does not have is refused when the date is built.
_DAY = r"(?<!\d)(?:3[01]|[12][0-9]|0?[1-9]|[\u0660-\u0669\u06f0-\u06f9]{1,2})(?!\d)"
_YEAR = r"\d{4}(?!\d)"
#: The date shapes, as regex source with named groups (``day``, ``month``, ``year``; a
#: numeric month is ``mon``): the earliest date any of them finds is the text's date.
_SHAPES = (
    rf"(?P<day>{_DAY})(?:\.|er|º)?{_SP}+(?:de{_SP}+)?(?P<month>{_MONTH}),?{_SP}+"
    rf"(?:de{_SP}+|del{_SP}+)?(?P<year>{_YEAR})",
    rf"(?P<month>{_MONTH}){_SP}+(?P<day>{_DAY})(?:st|nd|rd|th)?,?{_SP}+(?P<year>{_YEAR})",
    rf"(?P<year>{_YEAR})\s*[年년]\s*(?P<mon>\d{{1,2}})\s*[月월]\s*(?P<day>\d{{1,2}})\s*[日일]",
    r"(?<!\d)(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})(?!\d)",
)
_READERS = tuple(re.compile(shape, re.IGNORECASE) for shape in _SHAPES)
_TIME = (
    rf"(?:,?{_SP}*(?:(?:{'|'.join(map(re.escape, TIME_WORDS))}){_SP}+)?"
    rf"\d{{1,2}}[:.h]{_SP}?\d{{2}}(?:{_SP}?[AaPp]\.?[Mm]\.?)?)?"
)
#: A printed date (with the clock time an embed may add), for other patterns to embed:
#: flattened signatures (:mod:`archiver.platforms.flattened`). No groups; case-blind.
DATE_PATTERN = (
    "(?i:(?:"
    + "|".join(re.sub(r"\?P<\w+>", "?:", shape) for shape in _SHAPES)
    + r")(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    + _TIME
    + ")"
)


def parse_display_date(text: str) -> str | None:
    """The first date printed in ``text`` (any language above), as ``YYYY-MM-DD``.

    Embed dates carry no time zone (X, Bluesky, Facebook print local dates), so even
    when a clock time is shown only the calendar date is kept: claiming a UTC instant
    would invent precision the source does not have. Short texts are remembered (the
    embeds of one article share a few dates).
    """
    text = str(text)
    return _remembered(text) if len(text) <= 64 else _first_date(text)


@lru_cache(maxsize=1024)
def _remembered(text: str) -> str | None:
    return _first_date(text)


def _first_date(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for reader in _READERS:
        for found in reader.finditer(text):
            value = _date_of(found)
            if value is not None:
                if best is None or found.start() < best[0]:
                    best = (found.start(), value)
                break
    return best[1] if best else None


def _date_of(found: re.Match[str]) -> str | None:
    groups = found.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else _NUMBERS.get(_month_key(groups["month"]))
    try:
        return date(int(groups["year"]), month or 0, int(groups["day"])).isoformat()
    except (TypeError, ValueError):
        return None


def _month_key(shown: str) -> str:
    return " ".join(shown.lower().rstrip(".").split())


@lru_cache(maxsize=1)
def _credit_patterns() -> tuple[re.Pattern[str], ...]:
    patterns = []
    for templates in CREDITS.values():
        for template in templates:
            source = re.escape(template)
            # A name the line ends with runs to "(@handle)" (Instagram) or to the end.
            last = r"(?P<name>[^()]+?)(?=\s*\(\s*@|\s*$)" if template.endswith("{name}") else None
            source = source.replace(r"\{name\}", last or r"(?P<name>.+?)")
            source = source.replace(r"\{date\}", r"(?P<date>.+)")
            source = re.sub(r"\\ ", r"\\s+", source)
            patterns.append(re.compile(source, re.IGNORECASE | re.DOTALL))
    return tuple(patterns)


def credit_line(text: str) -> tuple[str, str | None] | None:
    """The author's name (and Facebook's date text) in a credit line, in any language
    above: "A post shared by Name (@handle)", "Publiée par Name sur 7 janvier 2026".

    The name ends where "(@handle)" begins (Instagram), or where the date's connector
    does (Facebook); None when no known credit line is in ``text``.
    """
    text = " ".join(text.split())
    for pattern in _credit_patterns():
        found = pattern.search(text)
        if found is None:
            continue
        name = re.split(r"\s*\(\s*@", found["name"], maxsplit=1)[0].strip(" \u200e\u200f:")
        date_text = found.groupdict().get("date")
        if name:
            return name, date_text.strip() if date_text else None
    return None


def is_view_on_instagram(text: str) -> bool:
    """Whether ``text`` is Instagram's "View this post on Instagram", in any language."""
    return _placeholder_key(text) in _PLACEHOLDERS


def _placeholder_key(text: str) -> str:
    return " ".join(text.split()).lower().replace("’", "'")


_PLACEHOLDERS = frozenset(map(_placeholder_key, VIEW_ON_INSTAGRAM))
