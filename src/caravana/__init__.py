"""Caravana: open cross-border commerce from China to Latin America."""

__version__ = "0.1.0"
