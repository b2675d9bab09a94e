"""Seed data for demos, tests and benchmarks: vocabularies and deterministic generators.

Pure Python, no Django; `caravana.catalog.management.commands.seed` writes what these produce.
"""

from caravana.catalog.seeding.generate import SCALES, Scale, merchant, product, store, uscc

__all__ = ["SCALES", "Scale", "merchant", "product", "store", "uscc"]
