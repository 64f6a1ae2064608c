"""Citations a style guide (and a reference manager) accepts, checked by other tools.

CSL-JSON is validated against the CSL project's own schema (``data/csl-data.json``, see
``data/README.md``), BibTeX is parsed back with a BibTeX parser, and the APA reference
list of a bundle is checked for the order and year suffixes APA 7 asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import jsonschema
from typer.testing import CliRunner

from archiver.cli import app
from archiver.export.cite import ArchivedCopy, apa
from archiver.export.cite_parts import first_words
from tests.conftest import make_post
from tests.export.conftest import Built

SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text("utf-8"))


def _export(*args: str | Path) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_csl_json_export_is_valid_csl_data(built: Built) -> None:
    data = json.loads(_export("export", "--all", "--format", "csl-json", "--home", built.home))
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft7Validator)
    assert len(data) == 3
    cited = json.loads(_export("cite", built.keys[0], "--style", "csl-json", "--home", built.home))
    jsonschema.validate(cited, SCHEMA, cls=jsonschema.Draft7Validator)


def test_a_schema_violation_would_be_caught() -> None:
    bad = [{"id": "x", "type": "tweet"}]
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(bad))


def test_bibtex_export_parses_back(built: Built) -> None:
    text = _export("export", "--all", "--format", "bibtex", "--home", built.home)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert len(library.entries) == 3
    urls = {entry.fields_dict["url"].value for entry in library.entries}
    assert "https://x.com/riverwatch/status/1000000000000000002" in urls
    assert len({entry.key for entry in library.entries}) == 3


def test_the_apa_list_is_sorted_by_author_then_date_with_year_suffixes(
    built: Built, tmp_path: Path
) -> None:
    _export("export", "--all", "--out", tmp_path / "b", "--home", built.home)
    text = (tmp_path / "b" / "data" / "citations" / "references-apa.txt").read_text("utf-8")
    references = [line for line in text.split("\n\n") if line.strip()]
    assert len(references) == 3
    assert references[0].startswith("River Watch [@riverwatch]. (2026a, January 7).")
    assert references[1].startswith("River Watch [@riverwatch]. (2026b, January 8).")
    assert references[2].startswith("Ана Сергеевна [@ana@social.example]. (2026, January 5).")


def test_twenty_words_are_cut_at_a_word_and_stay_balanced() -> None:
    words = " ".join(f"w{n}" for n in range(17))
    assert first_words(f'{words} one, "two three four" five') == f"{words} one"
    assert first_words(f"{words} a (b c d e) f") == f"{words} a"
    assert first_words(f"{words} x y z, and more") == f"{words} x y z"
    assert first_words("short, and whole.") == "short, and whole."


def test_the_archive_note_is_a_sentence_of_its_own() -> None:
    post = make_post()
    copy = ArchivedCopy(captured_at="2026-01-09T12:00:00Z", url="https://example.org/b#p")
    assert apa(post, copy).endswith(
        f"{post.url}. Archived January 9, 2026, at https://example.org/b#p."
    )
