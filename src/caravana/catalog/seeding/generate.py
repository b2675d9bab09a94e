"""Deterministic generators for the seed catalogue. Pure Python, no Django: plain tuples out, so
the same code feeds the service layer (demo), the ORM and the bulk loaders (bench), and can run in
worker processes.

Everything takes a `random.Random`; the same seed gives the same catalogue.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
from dataclasses import dataclass, field
from functools import cache

from stdnum.cn import uscc as uscc_mod

from caravana.catalog.seeding import vocab
from caravana.catalog.seeding.vocab import LANGS, Leaf

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Scale:
    name: str
    merchants: int
    stores: int
    products: int
    # relative frequency of 1, 2, 3, 4 variants per product
    variant_weights: tuple[int, ...] = (45, 30, 15, 10)
    bulk: bool = False  # raw bulk loaders instead of the ORM
    #: Looks drawn per kind, colour and view (seeding.picture_pool): more, more varied pages.
    picture_looks: int = 1


SCALES: dict[str, Scale] = {
    "test": Scale("test", merchants=3, stores=6, products=30),
    "demo": Scale("demo", merchants=50, stores=100, products=5_000, picture_looks=2),
    # the bench path (bulk loaders) at test size
    "bulk-test": Scale(
        "bulk-test", merchants=4, stores=10, products=300, variant_weights=(60, 30, 10), bulk=True
    ),
    "bench": Scale(
        "bench",
        merchants=20_000,
        stores=100_000,
        products=1_000_000,
        variant_weights=(60, 30, 10),
        bulk=True,
    ),
    # A tenth of bench with the same generator and shape (10 products a store, 5 stores a
    # merchant): listings must cost the same at both sizes (issue 19), so the bench measures both.
    "bench-100k": Scale(
        "bench-100k",
        merchants=2_000,
        stores=10_000,
        products=100_000,
        variant_weights=(60, 30, 10),
        bulk=True,
    ),
}


def stream(scale: str, seed: int, *parts: object) -> random.Random:
    """A stream per scale, seed and purpose: demo and test never collide on a USCC or slug."""
    return random.Random(":".join(str(p) for p in (scale, seed, *parts)))


def store_tag(sc: Scale, seed: int) -> str:
    """Store slugs of scales other than demo carry scale and seed, so runs never collide."""
    initials = "".join(word[0] for word in sc.name.split("-"))
    return "" if sc.name == "demo" and seed == 42 else f"-{initials}{seed}"


@dataclass(frozen=True)
class MerchantSeed:
    legal_name: str
    trade_name: str
    uscc: str
    contact_name: str
    contact_email: str
    contact_phone: str
    city: str
    payout_currency: str = "CNY"
    listing_currency: str = "CNY"  # what its prices are written in: mostly CNY, some USD


@dataclass(frozen=True)
class StoreSeed:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class VariantSeed:
    sku: str
    options: dict[str, str]
    #: What a merchant fills for buyers: the colour in each language ({"pt-br": {...}}).
    option_translations: dict[str, dict[str, str]]
    price: str  # decimal string, 2 places
    currency: str
    weight_g: int
    length_cm: str
    width_cm: str
    height_cm: str
    battery: str
    quantity: int

    @property
    def options_json(self) -> str:
        return json.dumps(self.options, ensure_ascii=False)


def _colour_translations(options: dict[str, str], phrase: vocab.Phrase) -> dict:
    """The colour option in every content language, as a careful merchant fills it in."""
    if "colour" not in options:
        return {}
    return {
        lang.replace("_", "-"): {"colour": word[:1].upper() + word[1:]}
        for lang, word in zip(vocab.LANGS, phrase, strict=True)
    }


@dataclass(frozen=True)
class ProductSeed:
    category_slug: str
    hs_code: str
    titles: tuple[str, str, str, str]  # in vocab.LANGS order
    descriptions: tuple[str, str, str, str]
    variants: list[VariantSeed] = field(default_factory=list)
    kind: str = ""  # in English: what its pictures draw (seeding.pictures)

    @property
    def price_from(self) -> VariantSeed:
        """The cheapest variant, as catalog.services keeps it on the product."""
        return min(self.variants, key=lambda v: float(v.price))

    def fields(self) -> dict[str, str]:
        out = {"hs_code": self.hs_code}
        for i, sfx in enumerate(LANGS):
            out[f"title_{sfx}"] = self.titles[i]
            out[f"description_{sfx}"] = self.descriptions[i]
        return out


# -- identifiers ---------------------------------------------------------------------------


def uscc(rng: random.Random, region: str) -> str:
    """A unified social credit code with a valid check digit: 9 (market regulator), 1
    (enterprise), the region's division code, a nine-character organisation code."""
    body = "91" + region + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_mod.calc_check_digit(body)


# -- merchants and stores ------------------------------------------------------------------


def merchant(rng: random.Random, index: int) -> MerchantSeed:
    city = vocab.CITIES[index % len(vocab.CITIES)] if index < 8 else rng.choice(vocab.CITIES)
    if index == 0:
        trade = "Huaqiang"
        industry = "Electronics"
    else:
        a, b = rng.sample(vocab.SYLLABLES, 2)
        trade = (a + b).capitalize()
        industry = rng.choice(city.industries)
    legal = f"{city.name} {trade} {industry} Co., Ltd."
    surname, given = rng.choice(vocab.SURNAMES), rng.choice(vocab.GIVEN)
    email = f"{given}.{surname}{index}@{trade}.example.com".lower()
    phone = f"+86 {city.area_code} {rng.randrange(10**7, 10**8)}"
    currency = "USD" if index >= 4 and rng.random() < 0.12 else "CNY"
    return MerchantSeed(
        legal_name=legal,
        trade_name=trade,
        uscc=uscc(rng, city.region),
        contact_name=f"{given} {surname}",
        contact_email=email,
        contact_phone=phone,
        city=city.name,
        listing_currency=currency,
    )


def store(rng: random.Random, trade_name: str, number: int, city: str, tag: str = "") -> StoreSeed:
    """`number` (and `tag`, for runs beside another) keeps the slug unique."""
    word = rng.choice(vocab.STORE_WORDS)
    name = f"{trade_name} {word}"
    slug = f"{trade_name.lower()}-{word.lower().replace(' ', '-')}-{number}{tag}"
    desc = f"{name}: direct from {city}, China."
    return StoreSeed(slug=slug[:80], name=name[:120], description=desc)


# -- products ------------------------------------------------------------------------------


@cache
def _leaf_cum_weights() -> list[int]:
    return list(itertools.accumulate(leaf.weight for leaf in vocab.LEAVES))


def pick_leaf(rng: random.Random) -> Leaf:
    cum = _leaf_cum_weights()
    return vocab.LEAVES[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _cny_price(x: float) -> float:
    """Shop prices end in .9 above ten yuan (19.9, 129.9)."""
    if x < 10:
        return max(0.5, round(x, 1))
    return max(1.0, round(x) - 0.1)


def _size(rng: random.Random, base: float) -> str:
    v = base * math.exp(rng.gauss(0.0, 0.15))
    return f"{min(300.0, max(0.5, v)):.1f}"


def product(
    rng: random.Random,
    number: int,
    *,
    city: int = 0,
    currency: str = "CNY",
    variant_weights: tuple[int, ...] = (45, 30, 15, 10),
    leaf: Leaf | None = None,
) -> ProductSeed:
    """One product of a leaf category; `number` makes its SKUs unique within the run. The
    first products of a run cover every leaf once, so even a tiny catalogue has them all."""
    if leaf is None:
        leaf = vocab.LEAVES[number - 1] if 0 < number <= len(vocab.LEAVES) else pick_leaf(rng)
    kind = rng.choice(leaf.kinds)
    nfeat = min(len(leaf.features), 2 if rng.random() < 0.7 else 1)
    feats = rng.sample(leaf.features, nfeat)
    dfeats = rng.sample(leaf.features, min(3, len(leaf.features)))
    brand = rng.choice(vocab.BRANDS)
    material = rng.choice(leaf.materials)
    model = rng.choice(vocab.PHONE_MODELS) if leaf.options == "colour+model" else None
    ncol = rng.randint(2, 5)
    colours = rng.sample(vocab.COLOURS, ncol)
    extra = rng.choice(vocab.EXTRAS)
    use = rng.choice(leaf.uses)
    city_v = vocab.CITIES[city % len(vocab.CITIES)]

    titles = []
    descs = []
    for i in range(4):
        if i == 3:  # zh-Hans: no spaces, qualifiers before the noun
            t = brand + " " + "".join(f[3] for f in feats) + kind[3]
            if model:
                t += " " + vocab.FOR_MODEL[3].format(model)
            d = "".join(
                (
                    use[3],
                    f"{vocab.FEATURES_LABEL[3]}：{'、'.join(f[3] for f in dfeats)}。",
                    f"{vocab.MATERIAL_LABEL[3]}：{material[3]}。",
                    f"{vocab.COLOURS_LABEL[3]}：{'、'.join(c[3] for c in colours)}。",
                    vocab.SHIPS_FROM[3].format(city_v.zh),
                    extra[3],
                )
            )
        else:
            t = " ".join((brand, kind[i], *(f[i] for f in feats)))
            if model:
                t += " " + vocab.FOR_MODEL[i].format(model)
            d = " ".join(
                (
                    use[i],
                    f"{vocab.FEATURES_LABEL[i]}: {', '.join(f[i] for f in dfeats)}.",
                    f"{vocab.MATERIAL_LABEL[i]}: {material[i]}.",
                    f"{vocab.COLOURS_LABEL[i]}: {', '.join(c[i] for c in colours)}.",
                    vocab.SHIPS_FROM[i].format(city_v.name),
                    extra[i],
                )
            )
        titles.append(t[:200])
        descs.append(d)

    nvar = rng.choices(range(1, len(variant_weights) + 1), weights=variant_weights)[0]
    base_price = rng.lognormvariate(math.log(leaf.price_cny), leaf.price_sigma)
    weight = rng.lognormvariate(math.log(leaf.weight_g), leaf.weight_sigma)
    dims = [_size(rng, d) for d in leaf.dims_cm]
    variants: list[VariantSeed] = []
    sizes = rng.sample(vocab.SIZES, min(nvar, len(vocab.SIZES)))
    shades = rng.sample(vocab.SHADES, min(nvar, len(vocab.SHADES)))
    for k in range(nvar):
        phrase = colours[k % ncol]
        colour = phrase[2]
        factor = 1.0
        if leaf.options == "colour+size":
            options = {"colour": colour, "size": sizes[k % len(sizes)]}
            factor = 1.0 + 0.04 * vocab.SIZES.index(options["size"])
        elif leaf.options == "colour+model":
            options = {"colour": colour, "model": model or ""}
        elif leaf.options == "shade":
            options = {"shade": shades[k % len(shades)]}
        else:
            options = {"colour": colour}
        if k and rng.random() < 0.3:
            factor *= 1.1  # a premium finish or bigger pack
        cny = base_price * factor
        if currency == "USD":
            price = f"{max(0.5, round(cny / 7.1, 1) - 0.01):.2f}"
        else:
            price = f"{_cny_price(cny):.2f}"
        qty = 0 if rng.random() < 0.05 else int(rng.lognormvariate(math.log(150), 1.0)) + 1
        variants.append(
            VariantSeed(
                sku=f"{leaf.sku}{number:07d}-{k + 1}",
                options=options,
                option_translations=_colour_translations(options, phrase),
                price=price,
                currency=currency,
                weight_g=max(1, int(weight * factor)),
                length_cm=dims[0],
                width_cm=dims[1],
                height_cm=dims[2],
                battery=leaf.battery,
                quantity=min(qty, 100_000),
            )
        )
    return ProductSeed(
        category_slug=leaf.slug,
        hs_code=rng.choice(leaf.hs_codes),
        titles=tuple(titles),  # type: ignore[arg-type]
        descriptions=tuple(descs),  # type: ignore[arg-type]
        variants=variants,
        kind=kind[2],
    )
