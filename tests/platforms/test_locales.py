"""Dates and credit lines in every language the tables list (platforms/locales.py)."""

from __future__ import annotations

import re

import pytest

from archiver.platforms.locales import (
    CREDITS,
    DATE_PATTERN,
    MONTHS,
    credit_line,
    is_view_on_instagram,
    parse_display_date,
)


@pytest.mark.parametrize(
    ("shown", "date"),
    [
        ("March 4, 2026", "2026-03-04"),
        ("Jan 7, 2026", "2026-01-07"),
        ("May 13, 2025 at 11:37 PM", "2025-05-13"),
        ("Aug 19, 2024 at 22:23", "2024-08-19"),
        ("Thursday, September 7, 2023", "2023-09-07"),
        ("2024-05-01T10:00:00.000Z", "2024-05-01"),
        ("Sept 3, 2025", "2025-09-03"),
        ("January 7th, 2026", "2026-01-07"),
        ("25. September 2018", "2018-09-25"),  # de
        ("7. Jan. 2026", "2026-01-07"),
        ("Montag, 7. März 2022 um 14:05", "2022-03-07"),
        ("3. Jänner 2026", "2026-01-03"),  # de-AT
        ("7 janvier 2026", "2026-01-07"),  # fr
        ("1er mars 2024", "2024-03-01"),
        ("7 déc. 2025", "2025-12-07"),
        ("7 de enero de 2026", "2026-01-07"),  # es
        ("Jueves, 7 de septiembre de 2023", "2023-09-07"),
        ("7 gennaio 2026", "2026-01-07"),  # it
        ("7 de janeiro de 2026", "2026-01-07"),  # pt
        ("12 out. 2025", "2025-10-12"),
        ("7 januari 2026", "2026-01-07"),  # nl
        ("7 mrt. 2026", "2026-03-07"),
        ("7 января 2026 г.", "2026-01-07"),  # ru
        ("7 Ocak 2026", "2026-01-07"),  # tr
        ("7 Eylül 2023 Perşembe", "2023-09-07"),
        ("٧ يناير ٢٠٢٦", "2026-01-07"),  # ar, Arabic-Indic digits
        ("7 كانون الثاني 2026", "2026-01-07"),  # ar, Levantine month names
        ("12 maja 2021", "2021-05-12"),  # pl
        ("2026年1月7日", "2026-01-07"),  # ja, zh
        ("2026년 1월 7일", "2026-01-07"),  # ko
        ("yesterday", None),
        ("31 February 2024", None),
        ("Version 12 2024", None),
    ],
)
def test_display_dates(shown: str, date: str | None) -> None:
    assert parse_display_date(shown) == date
    if date is not None:  # flattened signatures accept every date the reader reads
        assert re.search(DATE_PATTERN, shown) is not None


def test_every_language_names_twelve_months_and_no_name_two() -> None:
    assert {"en", "de", "fr", "es", "it", "pt", "nl", "ru", "tr", "ar"} <= set(MONTHS)
    for language, names in MONTHS.items():
        assert len(names) == 12, language
    # A name shared by languages means the same month in each (checked at import too).
    for language in MONTHS:
        for number, spellings in enumerate(MONTHS[language], start=1):
            for spelling in spellings:
                shown = f"7 {spelling} 2026"
                assert parse_display_date(shown) == f"2026-{number:02d}-07", (language, shown)


@pytest.mark.parametrize(
    ("line", "name", "date"),
    [
        ("A post shared by Odile Fernsby (@odile.fernsby)", "Odile Fernsby", None),
        ("A post shared by Spice Girls (@spicegirls) on Jun 16, 2019", "Spice Girls", None),
        ("Ein Beitrag geteilt von Odile Fernsby (@odile.fernsby)", "Odile Fernsby", None),
        ("Une publication partagée par Odile (@odile)", "Odile", None),
        ("Odile (@odile) tarafından paylaşılan bir gönderi", "Odile", None),
        ("Публикация от Олег Ветров (@oleg)", "Олег Ветров", None),
        ("Posted by SPÖ on Monday, February 7, 2022", "SPÖ", "Monday, February 7, 2022"),
        ("Publiée par Mairie de Lille sur jeudi 7 janvier 2026", "Mairie de Lille",
         "jeudi 7 janvier 2026"),
        ("Gepostet von Stadtwerke Kiel am Mittwoch, 7. Januar 2026", "Stadtwerke Kiel",
         "Mittwoch, 7. Januar 2026"),
        ("Deniz Gönüllüleri paylaştı: 7 Eylül 2023 Perşembe", "Deniz Gönüllüleri",
         "7 Eylül 2023 Perşembe"),
        ("Just a caption about a post we shared", None, None),
    ],
)  # fmt: skip
def test_credit_lines(line: str, name: str | None, date: str | None) -> None:
    found = credit_line(line)
    assert (found[0] if found else None, found[1] if found else None) == (name, date)


def test_credit_lines_cover_the_same_languages_as_months() -> None:
    assert set(CREDITS) == set(MONTHS)


def test_view_on_instagram_in_any_language() -> None:
    assert is_view_on_instagram("View this post on Instagram")
    assert is_view_on_instagram("  Diesen Beitrag auf   Instagram ansehen ")
    assert is_view_on_instagram("Bu gönderiyi Instagram’da gör")
    assert not is_view_on_instagram("A post shared by Odile (@odile)")
