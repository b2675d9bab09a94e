"""Field validators that raise Django ValidationError with a message a merchant can act on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from caravana.catalog.error_codes import CatalogErrorCode
from caravana.codes import hs


def validate_hs_code(value: str) -> None:
    try:
        hs.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not an HS 2022 six-digit subheading."),
            code=CatalogErrorCode.INVALID_HS_CODE.value,
            params={"value": value},
        ) from exc


def validate_uscc(value: str) -> None:
    try:
        uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid unified social credit code."),
            code=CatalogErrorCode.INVALID_USCC.value,
            params={"value": value},
        ) from exc
