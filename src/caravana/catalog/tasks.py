"""Listing prices kept fresh (catalog.landed): scheduled after the commit of a change to a
product, a variant, an FX rate, a rule set or a rate card (catalog.receivers)."""

from __future__ import annotations

from caravana.celery import app


@app.task(ignore_result=True)
def refresh_listing_prices(
    countries: list[str] | None = None, product_ids: list[int] | None = None
) -> int:
    """Recompute the rows of these products (all when None) for these countries (all when
    None), in batches of catalog.landed.BATCH products per transaction."""
    from caravana.catalog import landed
    from caravana.pricing import fx, quoting

    # This process may still hold the rates and rules from before the change it is told of.
    fx.invalidate()
    quoting.invalidate()
    return landed.refresh(countries, product_ids)


@app.task(ignore_result=True)
def refresh_search_terms() -> int:
    """The search vocabulary copied again from the full-text index (catalog.vocabulary): new
    products' words become corrections and suggestions within the hour."""
    from caravana.catalog import vocabulary

    return vocabulary.refresh()
