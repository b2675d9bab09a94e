"""Variant option values in the buyer's language.

A variant's `options` hold the merchant's own text ({"colour": "黑色", "size": "XL"}). A buyer
reads, for each value, best first: the merchant's translation for the buyer's language
(`Variant.option_translations`, {"pt-br": {"colour": "preto"}}, filled in the console or the
API), then the standard word when the merchant's text is one of the common values below (in
English or Chinese, translated through the site's catalogs), then the merchant's text as is.
Sizes such as S, M, XL and models such as "iPhone 16" read the same everywhere and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caravana.catalog.languages import CONTENT_LANGUAGES, suffix

#: The common values merchants write, as they write them (lower-cased English, or Chinese).
STANDARD = {
    "black": _("Black"),
    "黑色": _("Black"),
    "黑": _("Black"),
    "white": _("White"),
    "白色": _("White"),
    "白": _("White"),
    "blue": _("Blue"),
    "蓝色": _("Blue"),
    "navy": _("Navy blue"),
    "navy blue": _("Navy blue"),
    "藏青色": _("Navy blue"),
    "pink": _("Pink"),
    "粉色": _("Pink"),
    "粉红色": _("Pink"),
    "green": _("Green"),
    "绿色": _("Green"),
    "grey": _("Grey"),
    "gray": _("Grey"),
    "灰色": _("Grey"),
    "red": _("Red"),
    "红色": _("Red"),
    "purple": _("Purple"),
    "紫色": _("Purple"),
    "beige": _("Beige"),
    "米色": _("Beige"),
    "yellow": _("Yellow"),
    "黄色": _("Yellow"),
    "orange": _("Orange"),
    "橙色": _("Orange"),
    "brown": _("Brown"),
    "棕色": _("Brown"),
    "gold": _("Gold"),
    "金色": _("Gold"),
    "silver": _("Silver"),
    "银色": _("Silver"),
    "transparent": _("Transparent"),
    "clear": _("Transparent"),
    "透明": _("Transparent"),
    "one size": _("One size"),
    "均码": _("One size"),
}


def _lang() -> str:
    """The active language as a content-language code ("pt-br", "es")."""
    return suffix(get_language() or "en").replace("_", "-")


def option_value(name: str, value: object, translations: Mapping | None = None) -> str:
    """One option value in the active language (see the module's docstring for the order)."""
    own = (translations or {}).get(_lang()) or {}
    text = own.get(name) if isinstance(own, Mapping) else None
    if text:
        return str(text)
    standard = STANDARD.get(str(value).strip().lower())
    return str(standard) if standard is not None else str(value)


def options_text(options: Mapping, translations: Mapping | None = None) -> str:
    """ "Preto / iPhone 16": every value in the active language, in the merchant's order."""
    return " / ".join(option_value(k, v, translations) for k, v in (options or {}).items())


_SHAPE = _('Give translations as {language: {option: value}}, e.g. {"es": {"colour": "negro"}}.')


def check_translations(options: Mapping, translations: object) -> str | None:
    """Why `translations` is not {language: {option name: text}} for these options, or None."""
    if not isinstance(translations, Mapping):
        return _SHAPE
    for lang, values in translations.items():
        if lang not in CONTENT_LANGUAGES:
            return _("%(lang)s is not one of the languages: %(langs)s.") % {
                "lang": str(lang)[:20],
                "langs": ", ".join(CONTENT_LANGUAGES),
            }
        if not isinstance(values, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            return _SHAPE
        unknown = [k for k in values if k not in options]
        if unknown:
            return _("%(name)s is not an option of this variant.") % {"name": unknown[0][:40]}
        if any(len(v) > 100 for v in values.values()):
            return _("A translated option value has at most 100 characters.")
    return None
