"""The seed's product pictures, stored through Django's storage API with their thumbnails.

A picture is drawn (seeding.pictures) once per kind, colour, view (whole or close-up) and look
and shared by every product of that kind and colour: a million-product bench seed draws about
a thousand, not a million. Names follow from the key, so a second seed finds the files there;
the bytes are also kept in this process for the next seed into another media root (tests)."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from caravana.catalog import thumbnails
from caravana.catalog.models import ProductImage
from caravana.catalog.seeding import pictures, vocab
from caravana.catalog.seeding.generate import ProductSeed

_MEMO: dict[str, dict[object, bytes]] = {}
_MEMO_MAX = 400


@dataclass(frozen=True)
class Planned:
    """One picture row: the file, its variant's index in the product's (None: the product's),
    its position."""

    name: str
    variant: int | None
    position: int


def _file_name(
    kind: str, options: dict[str, str], detail: bool, look: int
) -> tuple[str, pictures.RGB]:
    rgb = pictures.colour_of(options)
    slug = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "product"
    name = "products/seed/{}-{:02x}{:02x}{:02x}-{}{}.jpg".format(
        slug, *rgb, "d" if detail else "w", look
    )
    return name, rgb


def _render(job: tuple[str, str, pictures.RGB, bool]) -> tuple[str, dict[object, bytes]]:
    """The picture's JPEG ("") and thumbnails' bytes; a top-level function, for worker
    processes."""
    name, kind, rgb, detail = job
    img = pictures.draw(kind, rgb, random.Random(name), detail=detail)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, optimize=True)
    return name, {"": buf.getvalue(), **thumbnails.encode_all(img)}


class PicturePool:
    def __init__(self, storage: Storage | None = None, looks: int = 1) -> None:
        self.storage = storage or ProductImage._meta.get_field("image").storage
        self.looks = looks
        self.known: set[str] = set()
        self.drawn = 0
        self._names: dict[tuple, str] = {}

    def name(self, kind: str, options: dict[str, str], *, detail: bool, look: int) -> str:
        key = (kind, options.get("colour") or options.get("shade"), detail, look)
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = self._name(kind, options, detail=detail, look=look)
        return found

    def _name(self, kind: str, options: dict[str, str], *, detail: bool, look: int) -> str:
        name, rgb = _file_name(kind, options, detail, look)
        if name not in self.known:
            self._store(name, kind, rgb, detail)
            self.known.add(name)
        return name

    def _stored(self, name: str) -> bool:
        storage = self.storage
        return storage.exists(name) and storage.exists(thumbnails.thumb_name(name, 960, "jpg"))

    def _store(self, name: str, kind: str, rgb: pictures.RGB, detail: bool) -> None:
        if self._stored(name):
            return
        data = _MEMO.get(name)
        if data is None:
            data = _render((name, kind, rgb, detail))[1]
            self.drawn += 1
            if len(_MEMO) < _MEMO_MAX:
                _MEMO[name] = data
        self._save(name, data)

    def _save(self, name: str, data: dict[object, bytes]) -> None:
        storage = self.storage
        if not storage.exists(name):
            storage.save(name, ContentFile(data[""]))
        for key, body in data.items():
            if key and not storage.exists(thumbnails.thumb_name(name, *key)):  # type: ignore[misc]
                storage.save(thumbnails.thumb_name(name, *key), ContentFile(body))  # type: ignore[misc]

    def prepare_all(self, workers: int | None = None) -> None:
        """Draw every picture a large catalogue may name (every kind, colour or shade, view and
        look), on every core, before the load: the bench seed then only looks names up."""
        jobs = []
        for leaf in vocab.LEAVES:
            words = (
                [{"shade": s} for s in vocab.SHADES]
                if leaf.options == "shade"
                else [{"colour": c[2]} for c in vocab.COLOURS]
            )
            for kind in (k[2] for k in leaf.kinds):
                for options in words:
                    for detail in (False, True):
                        for look in range(self.looks):
                            name, rgb = _file_name(kind, options, detail, look)
                            self._names[(kind, *options.values(), detail, look)] = name
                            self.known.add(name)
                            if not self._stored(name):
                                jobs.append((name, kind, rgb, detail))
        with ProcessPoolExecutor(workers) as ex:
            for name, data in ex.map(_render, jobs, chunksize=4):
                self._save(name, data)
                self.drawn += 1

    def plan(self, seed: ProductSeed, number: int) -> list[Planned]:
        """At least two pictures per product, one per colour variant: each variant's whole
        product in its colour (the first is the main picture), and a close-up after it."""
        look = number % self.looks
        out: list[Planned] = []
        seen: dict[str, str] = {}
        variants: Sequence = seed.variants
        for k, v in enumerate(variants):
            key = v.options.get("colour") or v.options.get("shade") or ""
            name = seen.get(key) or self.name(seed.kind, v.options, detail=False, look=look)
            seen[key] = name
            out.append(Planned(name, k, len(out)))
            if k == 0:
                out.append(
                    Planned(self.name(seed.kind, v.options, detail=True, look=look), None, 1)
                )
        return out
