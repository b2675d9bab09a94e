"""A few CEPs the demo knows, to fill street, district, city and state when a Brazilian buyer
types the CEP. Demo data only (the addresses of planning.demo's recipients): a production shop
would ask a CEP service (Correios' Busca CEP, or ViaCEP's https://viacep.com.br/ws/<cep>/json/),
which this module stands in for."""

from __future__ import annotations

from typing import NamedTuple


class CepAddress(NamedTuple):
    street: str
    district: str
    city: str
    state: str


DEMO_CEPS: dict[str, CepAddress] = {
    "01310100": CepAddress("Avenida Paulista", "Bela Vista", "São Paulo", "SP"),
    "22071000": CepAddress("Avenida Atlântica", "Copacabana", "Rio de Janeiro", "RJ"),
    "30130010": CepAddress("Avenida Afonso Pena", "Centro", "Belo Horizonte", "MG"),
}


def lookup(cep: str) -> CepAddress | None:
    """The demo's address for a CEP written with or without its hyphen, or None."""
    return DEMO_CEPS.get("".join(ch for ch in cep if ch.isdigit()))
