"""The checks of a variant beyond its columns' own, in one place for the forms, the API
(catalog.services) and the bulk import (catalog.bulk)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from caravana.catalog.error_codes import CatalogErrorCode
from caravana.catalog.models import Variant
from caravana.catalog.option_words import check_translations
from caravana.errors import field_error


def check_variant(variant: Variant) -> None:
    """The checks of a variant beyond its columns' own (options, sizes, weight, what the
    network carries), shared by the forms, the API and the bulk import (catalog.bulk)."""
    if variant.options is None:
        variant.options = {}
    if not isinstance(variant.options, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in variant.options.items()
    ):
        raise field_error(
            "options",
            _("Options are name: value pairs, e.g. colour: red."),
            CatalogErrorCode.INVALID_OPTIONS,
        )
    if variant.option_translations is None:
        variant.option_translations = {}
    problem = check_translations(variant.options, variant.option_translations)
    if problem:
        raise field_error(
            "option_translations", problem, CatalogErrorCode.INVALID_OPTION_TRANSLATIONS
        )
    for dim in ("length_cm", "width_cm", "height_cm"):
        value = getattr(variant, dim)
        if value is not None and not (0 < float(value) <= 300):
            raise field_error(
                dim, _("Give a size between 0.1 and 300 cm."), CatalogErrorCode.INVALID_SIZE
            )
    if variant.weight_g is not None and int(variant.weight_g) > 70_000:
        raise field_error(
            "weight_g", _("A parcel item may weigh at most 70 kg."), CatalogErrorCode.TOO_HEAVY
        )
    variant.clean()
