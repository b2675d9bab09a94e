"""Words by category never change an answer (decision 0042), on a seeded database of any size.

    DATABASE_URL=... python bench/word_categories_check.py [--pairs 120] [--seed 7]

Random pairs of the vocabulary's 400 most common words per buyer language (three in ten cut to
a beginning), each searched with the summary and with it switched off: prints how many pairs
the summary answered alone and every pair whose ids or total differ (none expected).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from unittest import mock


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=120, help="per language")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
    import django

    django.setup()
    from django.db import connection

    from caravana.catalog import search as s
    from caravana.catalog import word_categories

    rng = random.Random(args.seed)
    checked = answered = 0
    differ = []
    for sfx, lang in (("pt_br", "pt-br"), ("es", "es"), ("en", "en")):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT term FROM catalog_searchterm WHERE language = %s "
                "ORDER BY docs DESC, term LIMIT 400",
                [sfx],
            )
            vocab = [r[0] for r in cur.fetchall()]
        for _ in range(args.pairs):
            a, b = rng.sample(vocab, 2)
            if rng.random() < 0.3:
                a = a[: max(2, len(a) - 3)]
            req = s.SearchRequest(text=f"{a} {b}", language=lang, correct=False, per_page=50)
            got = s.search(req)
            with mock.patch.object(word_categories, "shared", return_value=None):
                want = s.search(req)
            checked += 1
            answered += word_categories.shared([a, b], lang) == set()
            if (got.ids, got.total) != (want.ids, want.total):
                differ.append((lang, req.text, got.total, want.total))
    print(
        f"{connection.vendor}: {checked} pairs, {answered} answered by the summary alone, "
        f"{len(differ)} differ {differ[:10]}"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
