"""The content languages a product may be written in, and the model-field suffix for each."""

CONTENT_LANGUAGES: tuple[str, ...] = ("es", "pt-br", "en", "zh-hans")


def suffix(language: str) -> str:
    """'pt-br' -> 'pt_br': the field suffix used by title_<suffix> and description_<suffix>."""
    lang = (language or "en").lower().replace("_", "-")
    if lang not in CONTENT_LANGUAGES:
        lang = lang.split("-")[0]
        lang = {"pt": "pt-br", "zh": "zh-hans"}.get(lang, lang)
    if lang not in CONTENT_LANGUAGES:
        lang = "en"
    return lang.replace("-", "_")


def fallback_order(language: str) -> list[str]:
    """Suffixes to try, best first: the buyer's language, then English, then the rest."""
    first = suffix(language)
    rest = [suffix(lang) for lang in ("en", "es", "pt-br", "zh-hans")]
    return [first, *[s for s in rest if s != first]]
