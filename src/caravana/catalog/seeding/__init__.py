"""Seed data for demos, tests and benchmarks.

vocab (the words, read from data/*.json) and generate (deterministic generators) are pure
Python, no Django; run.seed writes what they produce, through reference (categories, FX rates,
demo users), orm (test and demo) or bulk (bench). `python -m caravana seed` calls run.seed.
"""

from caravana.catalog.seeding.generate import SCALES, Scale, merchant, product, store, uscc

__all__ = ["SCALES", "Scale", "merchant", "product", "store", "uscc"]
