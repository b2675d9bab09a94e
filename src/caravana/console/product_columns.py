"""The import and export file's column headers, in the merchant's language, and accepted in any
of the console's four (a file made in the Chinese console imports in the Spanish one). Written
here as data, not as translated strings: an import must recognise every language's header
whatever language the page is in."""

from __future__ import annotations

import unicodedata

from caravana.catalog.bulk import FIELDS

# field: (en, es, pt-BR, zh-Hans)
HEADERS: dict[str, tuple[str, str, str, str]] = {
    "product": ("Product", "Producto", "Produto", "商品"),
    "store": ("Store", "Tienda", "Loja", "店铺"),
    "category": ("Category", "Categoría", "Categoria", "类目"),
    "hs_code": ("HS code", "Código HS", "Código SH", "HS编码"),
    "title_es": ("Title (Spanish)", "Título (español)", "Título (espanhol)", "标题（西班牙语）"),
    "title_pt_br": (
        "Title (Portuguese)",
        "Título (portugués)",
        "Título (português)",
        "标题（葡萄牙语）",
    ),
    "title_en": ("Title (English)", "Título (inglés)", "Título (inglês)", "标题（英语）"),
    "title_zh_hans": ("Title (Chinese)", "Título (chino)", "Título (chinês)", "标题（中文）"),
    "active": ("Active", "Activo", "Ativo", "上架"),
    "sku": ("SKU", "SKU", "SKU", "SKU"),
    "options": ("Options", "Opciones", "Opções", "规格"),
    "price": ("Price", "Precio", "Preço", "价格"),
    "currency": ("Currency", "Moneda", "Moeda", "币种"),
    "weight_g": ("Weight (g)", "Peso (g)", "Peso (g)", "重量（克）"),
    "length_cm": ("Length (cm)", "Largo (cm)", "Comprimento (cm)", "长（厘米）"),
    "width_cm": ("Width (cm)", "Ancho (cm)", "Largura (cm)", "宽（厘米）"),
    "height_cm": ("Height (cm)", "Alto (cm)", "Altura (cm)", "高（厘米）"),
    "battery": ("Lithium battery", "Batería de litio", "Bateria de lítio", "锂电池"),
    "stock": ("Stock", "Stock", "Estoque", "库存"),
    "warehouse": ("Warehouse", "Almacén", "Armazém", "仓库"),
}
LANGUAGES = ("en", "es", "pt-br", "zh-hans")
assert tuple(HEADERS) == FIELDS  # noqa: S101 — the table must name every field, in order


def _key(header: str) -> str:
    """Headers compared without case, accents, spaces or full-width punctuation."""
    folded = unicodedata.normalize("NFKC", header).casefold()
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c)
    )
    return "".join(stripped.split())


_BY_KEY = {_key(label): name for name, labels in HEADERS.items() for label in (name, *labels)}


def field_of(header: str) -> str | None:
    """The field a header names, in any of the four languages or as the field's own name."""
    return _BY_KEY.get(_key(header or ""))


def label(name: str, language: str | None) -> str:
    """The header of `name` in `language` (the console's; English when not one of the four)."""
    lang = (language or "en").lower()
    labels = HEADERS.get(name)
    if labels is None:
        return name
    for n, code in enumerate(LANGUAGES):
        if lang == code or lang.split("-")[0] == code.split("-")[0]:
            return labels[n]
    return labels[0]
