"""The shipped catalogs are complete, free of fuzzy entries and compiled.

Pure Python on purpose: CI need not have GNU gettext installed, so the .po files are
read with the small parser below and the .mo files with the standard library.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "caravana" / "locale"

# Languages that must be fully translated, with the number of plural forms their header declares.
TRANSLATED = {"es": 2, "pt_BR": 2, "zh_Hans": 1}
# English is the source language: its catalog exists but may stay empty (Django falls back).
ALL_LANGUAGES = [*TRANSLATED, "en"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_ESCAPES.update({"f": "\f", "v": "\v"})
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
# printf-style conversions as Python's % operator reads them ("%%" is a literal percent sign).
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[k] for k in sorted(self.msgstr_plural)]
        return [self.msgstr or ""]


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    assert len(text) >= 2 and text[0] == text[-1] == '"', f"{where}: not a quoted string"
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        if body[i] == "\\":
            assert i + 1 < len(body) and body[i + 1] in _ESCAPES, f"{where}: bad escape"
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """Read a .po file into entries; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and current.msgid is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgid is not None:
                finish()  # a comment after a complete entry starts the next one
            if current is None:
                current = Entry(number)
            if line.startswith("#,"):
                current.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if current is None:
            current = Entry(number)
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3), where)
            if index is not None:
                current.msgstr_plural[int(index)] = value
                target = ("msgstr_plural", int(index))
            else:
                setattr(current, keyword, value)
                target = (keyword, None)
            continue
        assert line.startswith('"') and target is not None, f"{where}: unexpected line {raw!r}"
        value = _unquote(line, where)
        name, index = target
        if name == "msgstr_plural":
            current.msgstr_plural[index] += value
        else:
            setattr(current, name, getattr(current, name) + value)
    finish()
    return entries


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def _header(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.is_header)
    fields = {}
    for line in (header.msgstr or "").splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_catalog_exists_and_parses(lang):
    path = _po(lang)
    assert path.is_file(), f"missing {path}"
    entries = parse_po(path)
    assert any(e.is_header for e in entries), f"{path} has no header"
    assert sum(not e.is_header for e in entries) > 0, f"{path} has no messages"
    assert "charset=UTF-8" in _header(entries).get("Content-Type", "")


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_no_fuzzy_entries(lang):
    fuzzy = [e for e in parse_po(_po(lang)) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy in {lang}: {[(e.line, e.msgid) for e in fuzzy][:20]}"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_plural_forms_header(lang):
    header = _header(parse_po(_po(lang)))
    match = re.search(r"nplurals\s*=\s*(\d+)", header.get("Plural-Forms", ""))
    assert match, f"{lang}: no Plural-Forms header"
    assert int(match.group(1)) == TRANSLATED[lang]


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_every_message_is_translated(lang):
    nplurals = TRANSLATED[lang]
    untranslated, wrong_forms = [], []
    for entry in parse_po(_po(lang)):
        if entry.is_header:
            continue
        if entry.msgid_plural is not None and sorted(entry.msgstr_plural) != list(range(nplurals)):
            wrong_forms.append((entry.line, entry.msgid))
        if any(not text.strip() for text in entry.translations):
            untranslated.append((entry.line, entry.msgid))
    assert not wrong_forms, f"{lang}: plural entries without {nplurals} forms: {wrong_forms[:20]}"
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:20]}"


@pytest.mark.parametrize("lang", list(TRANSLATED))
def test_placeholders_are_kept(lang):
    broken = []
    for entry in parse_po(_po(lang)):
        if entry.is_header or not any(entry.translations):
            continue
        sources = {entry.msgid} | ({entry.msgid_plural} if entry.msgid_plural else set())
        expected = [set(_placeholders(s)) for s in sources]
        for text in entry.translations:
            # A plural form may drop the count (e.g. "one item"), never add or rename one.
            if set(_placeholders(text)) not in expected and not (
                entry.msgid_plural and set(_placeholders(text)) <= set().union(*expected)
            ):
                broken.append((entry.line, entry.msgid, text))
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
    for entry in parse_po(po_path):
        if entry.is_header or "fuzzy" in entry.flags:
            continue  # msgfmt leaves fuzzy entries out
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is not None:
            if all(entry.msgstr_plural.values()):
                expected.update({(key, n): s for n, s in entry.msgstr_plural.items()})
        elif entry.msgstr:
            expected[key] = entry.msgstr
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
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "*.csv"))
    args = [sys.executable, "-m", "caravana", "makemessages", "--no-obsolete"]
    args += ["--ignore", "*/seeding/*", *[f"-l{lang}" for lang in TRANSLATED]]
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}
    subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True)
    return copy / "locale"


@pytest.mark.parametrize("lang", sorted(TRANSLATED))
def test_every_string_in_the_source_is_in_the_catalog_and_translated(lang, extracted):
    """A string added to the code without its translation shows in English on a Spanish or
    Portuguese page: every msgid xgettext finds is translated and not fuzzy."""
    entries = parse_po(extracted / lang / "LC_MESSAGES" / "django.po")
    missing = [
        e.msgid
        for e in entries
        if not e.is_header and ("fuzzy" in e.flags or not all(e.translations))
    ]
    assert not missing, f"{len(missing)} strings without a {lang} translation: {missing[:10]}"
