"""Page-number pagination for every API list, with the page bounded: an unbounded page number
became an OFFSET the database cannot hold (a 500 on page=9223372036854775808)."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from caravana.limits import PAGE_MAX


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=100)
