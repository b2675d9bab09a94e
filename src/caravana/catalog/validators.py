"""Field validators that raise Django ValidationError with a message a merchant can act on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import hs


def validate_hs_code(value: str) -> None:
    try:
        hs.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not an HS 2022 six-digit subheading."),
            code="invalid_hs_code",
            params={"value": value},
        ) from exc


def validate_uscc(value: str) -> None:
    try:
        uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid unified social credit code."),
            code="invalid_uscc",
            params={"value": value},
        ) from exc
