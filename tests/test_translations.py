"""The shipped catalogs are complete, free of fuzzy entries and compiled.

Pure Python on purpose: CI need not have GNU gettext installed, so the .po files are
read with Babel (babel.messages.pofile) and the .mo files with the standard library.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "caravana" / "locale"

# Languages that must be fully translated, with the number of plural forms their header declares.
TRANSLATED = {"es": 2, "pt_BR": 2, "zh_Hans": 1}
# English is the source language: its catalog exists but may stay empty (Django falls back).
ALL_LANGUAGES = [*TRANSLATED, "en"]

# printf-style conversions as Python's % operator reads them ("%%" is a literal percent sign).
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]")


def read(path: Path) -> Catalog:
    """The .po file as Babel reads it; a malformed line, or more plural forms than the header
    declares, raises instead of being skipped. Obsolete (#~) entries are not among the messages."""
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def translations(message: Message) -> list[str]:
    """Every msgstr of a message: one, or one per plural form (Babel fills missing forms
    with "")."""
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string or ""]


def msgid(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else message.id


def messages(catalog: Catalog) -> list[Message]:
    """The catalog's messages without its header."""
    return [m for m in catalog if m.id]


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


def _declared_nplurals(lang: str) -> int | None:
    """nplurals as the compiled catalog's header declares it (what gettext uses at run time;
    Babel's catalog would fall back to CLDR's count when the header lacks Plural-Forms)."""
    with _po(lang).with_suffix(".mo").open("rb") as fh:
        forms = gettext.GNUTranslations(fh).info().get("plural-forms", "")
    match = re.search(r"nplurals\s*=\s*(\d+)", forms)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_catalog_exists_and_parses(lang):
    path = _po(lang)
    assert path.is_file(), f"missing {path}"
    catalog = read(path)
    assert catalog.locale_identifier == lang, f"{path}: no header naming the language"
    assert messages(catalog), f"{path} has no messages"
    assert catalog.charset.lower() == "utf-8"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_no_fuzzy_entries(lang):
    fuzzy = [m for m in read(_po(lang)) if m.fuzzy]  # the header included
    assert not fuzzy, f"fuzzy in {lang}: {[(m.lineno, msgid(m)) for m in fuzzy][:20]}"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_plural_forms_header(lang):
    assert read(_po(lang)).num_plurals == TRANSLATED[lang]
    assert _declared_nplurals(lang) == TRANSLATED[lang], f"{lang}: no or wrong Plural-Forms"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_every_message_is_translated(lang):
    """A plural entry with fewer forms than declared has empty ones (caught here); one with
    more makes read() raise."""
    untranslated = [
        (m.lineno, msgid(m))
        for m in messages(read(_po(lang)))
        if any(not text.strip() for text in translations(m))
    ]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:20]}"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_placeholders_are_kept(lang):
    broken = []
    for m in messages(read(_po(lang))):
        texts = translations(m)
        if not any(texts):
            continue
        sources = set(m.id) if m.pluralizable else {m.id}
        expected = [set(_placeholders(s)) for s in sources]
        for text in texts:
            # A plural form may drop the count (e.g. "one item"), never add or rename one.
            if set(_placeholders(text)) not in expected and not (
                m.pluralizable and set(_placeholders(text)) <= set().union(*expected)
            ):
                broken.append((m.lineno, msgid(m), text))
    assert not broken, f"{lang}: placeholders changed: {broken[:20]}"


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_mo_is_compiled_from_the_po(lang):
    """The committed .mo holds exactly the .po's translations (run compilemessages if not)."""
    po_path = _po(lang)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.is_file(), f"missing {mo_path}: run compilemessages"
    with mo_path.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    catalog = mo._catalog  # the parsed .mo: {msgid: str, (msgid, n): str}, "" is the header

    expected: dict[object, str] = {}
    for m in messages(read(po_path)):
        if m.fuzzy:
            continue  # msgfmt leaves fuzzy entries out
        key = msgid(m) if m.context is None else f"{m.context}\x04{msgid(m)}"
        texts = translations(m)
        if m.pluralizable:
            if all(texts):
                expected.update({(key, n): s for n, s in enumerate(texts)})
        elif texts[0]:
            expected[key] = texts[0]
    compiled = {k: v for k, v in catalog.items() if k != ""}

    stale = sorted(repr(k) for k in expected if compiled.get(k) != expected[k])
    extra = sorted(repr(k) for k in compiled if k not in expected)
    assert not stale, f"{mo_path} is out of date for {len(stale)} messages: {stale[:10]}"
    assert not extra, f"{mo_path} has {len(extra)} messages the .po lacks: {extra[:10]}"
    assert len(compiled) == len(expected)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The catalogs as `make messages` would write them from today's source: makemessages
    (GNU xgettext) run on a copy of the package, so the checked-in files are not touched."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the catalogs against the source: xgettext is missing")
        pytest.skip("needs GNU gettext (apt-get install gettext)")
    package = LOCALE_DIR.parent
    copy = tmp_path_factory.mktemp("messages") / "caravana"
    # the package's data comes along (the twin's charter reads the balance table on import),
    # but for the nomenclature's 0.85 MB, which nothing reads on import
    skip = shutil.ignore_patterns("*.pyc", "__pycache__", "harmonized-system.csv")
    shutil.copytree(package, copy, ignore=skip)
    args = [sys.executable, "-m", "caravana", "makemessages", "--no-obsolete"]
    args += ["--ignore", "*/seeding/*", *[f"-l{lang}" for lang in TRANSLATED]]
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}
    subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True)
    return copy / "locale"


@pytest.mark.parametrize("lang", sorted(TRANSLATED))
def test_every_string_in_the_source_is_in_the_catalog_and_translated(lang, extracted):
    """A string added to the code without its translation shows in English on a Spanish or
    Portuguese page: every msgid xgettext finds is translated and not fuzzy."""
    catalog = read(extracted / lang / "LC_MESSAGES" / "django.po")
    missing = [msgid(m) for m in messages(catalog) if m.fuzzy or not all(translations(m))]
    assert not missing, f"{len(missing)} strings without a {lang} translation: {missing[:10]}"
