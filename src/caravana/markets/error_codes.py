"""Stable codes of what a market refuses: the buyer's document and address."""

from enum import StrEnum


class MarketsErrorCode(StrEnum):
    UNSUPPORTED_COUNTRY = "unsupported_country"
    DOCUMENT_REQUIRED = "document_required"
    INVALID_DOCUMENT = "invalid_document"
    #: A number another of the country's documents accepts (a CNPJ given as a CPF).
    WRONG_DOCUMENT_TYPE = "wrong_document_type"
    UNKNOWN_DOCUMENT_TYPE = "unknown_document_type"
    #: Without a type: one document's shape with a wrong check digit, and valid as another
    #: (a Peruvian DNI mistyped, or a carné de extranjería): the buyer must say which.
    AMBIGUOUS_DOCUMENT = "ambiguous_document"
    INVALID_POSTAL_CODE = "invalid_postal_code"
    INVALID_STATE = "invalid_state"
    INVALID_ADDRESS = "invalid_address"
