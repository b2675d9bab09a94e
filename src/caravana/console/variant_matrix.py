"""The variant matrix: a product's variants laid out colour × size, each cell the variant's
price and on-hand stock, edited in one form post. Which option is the row and which the column
is read from the options' names (a colour word down, a size word across); a product with one
option is one column, with none one cell. Parsing reports every bad cell, named by its
colour and size, before the catalog service (catalog.services.set_variant_grid) is called.
Combinations no variant has are shown empty; the merchant may fill one (a price, stock and,
if they like, an SKU; else one is made) and the same post creates that variant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from caravana.catalog.models import Stock, Variant
from caravana.catalog.option_words import option_value
from caravana.limits import INT_MAX, id_from, whole

ROW_NAMES = ("colour", "color", "颜色", "颜色分类", "cor", "shade", "色号")
COLUMN_NAMES = ("size", "尺码", "尺寸", "talla", "tamanho", "model", "型号", "款式")
#: The option names merchants and the seed write, as the console shows them.
OPTION_LABELS = {
    "colour": gettext_lazy("Colour"),
    "color": gettext_lazy("Colour"),
    "颜色": gettext_lazy("Colour"),
    "颜色分类": gettext_lazy("Colour"),
    "size": pgettext_lazy("variant option", "Size"),
    "尺码": pgettext_lazy("variant option", "Size"),
    "尺寸": pgettext_lazy("variant option", "Size"),
    "model": gettext_lazy("Model"),
    "型号": gettext_lazy("Model"),
    "shade": gettext_lazy("Shade"),
    "色号": gettext_lazy("Shade"),
}


def option_label(name: str) -> str:
    """An option's name in the console's language ("colour" → 颜色), else as written."""
    found = OPTION_LABELS.get(name.strip().lower())
    return str(found) if found is not None else name


@dataclass
class Cell:
    variant: Variant | None
    label: str  # "Black / M": names the cell in errors
    stock: Stock | None = None
    price: str = ""
    quantity: str = ""
    errors: list[str] = field(default_factory=list)
    #: An empty cell the merchant may fill: its form key ("<row>-<column>") and the options
    #: the new variant gets; "" and {} for a variant's cell or one that cannot be made.
    key: str = ""
    options: dict[str, str] = field(default_factory=dict)
    sku: str = ""


@dataclass
class Matrix:
    row_name: str | None
    column_name: str | None
    rows: list[tuple[str, list[Cell]]]  # row value shown, its cells in column order
    columns: list[str]  # column values shown

    @property
    def cells(self) -> list[Cell]:
        return [c for _r, cells in self.rows for c in cells if c.variant is not None]

    @property
    def empty(self) -> list[Cell]:
        return [c for _r, cells in self.rows for c in cells if c.key]

    @property
    def errors(self) -> list[str]:
        return [f"{c.label}: {e}" for c in self.cells + self.empty for e in c.errors]


def _axes(variants: Sequence[Variant]) -> tuple[str | None, str | None]:
    names: list[str] = []
    for v in variants:
        names.extend(k for k in v.options if k not in names)
    row = next((n for n in names if n.lower() in ROW_NAMES), None)
    column = next((n for n in names if n.lower() in COLUMN_NAMES and n != row), None)
    rest = [n for n in names if n not in (row, column)]
    if row is None and rest:
        row = rest.pop(0)
    if column is None and rest:
        column = rest.pop(0)
    return row, column


def build(variants: Sequence[Variant], stocks: Mapping[int, Stock]) -> Matrix:
    """The grid of these variants (in the merchant's order of first appearance)."""
    row_name, column_name = _axes(variants)
    row_keys: list[str] = []
    column_keys: list[str] = []
    by_key: dict[tuple[str, str], Variant] = {}
    made_up: set[str] = set()  # columns named by an SKU, not an option value
    for v in variants:
        r = str(v.options.get(row_name, "")) if row_name else ""
        c = str(v.options.get(column_name, "")) if column_name else ""
        if (r, c) in by_key:  # a third option tells them apart: the SKU does in the grid
            c = f"{c} · {v.sku}" if c else v.sku
            made_up.add(c)
        if r not in row_keys:
            row_keys.append(r)
        if c not in column_keys:
            column_keys.append(c)
        by_key[(r, c)] = v

    def shown(name: str | None, value: str) -> str:
        return option_value(name, value) if name and value else value

    rows = []
    for ri, r in enumerate(row_keys):
        cells = []
        for ci, c in enumerate(column_keys):
            v = by_key.get((r, c))
            label = " / ".join(x for x in (shown(row_name, r), shown(column_name, c)) if x)
            cell = Cell(variant=v, label=label or (v.sku if v else ""))
            if v is not None:
                cell.stock = stocks.get(v.pk)
                cell.price = str(v.price)
                cell.quantity = str(cell.stock.quantity if cell.stock else 0)
            elif c not in made_up and (r or c):
                cell.key = f"{ri}-{ci}"
                cell.options = {n: val for n, val in ((row_name, r), (column_name, c)) if n}
            cells.append(cell)
        rows.append((shown(row_name, r), cells))
    return Matrix(row_name, column_name, rows, [shown(column_name, c) for c in column_keys])


def read(matrix: Matrix, post: Mapping[str, Any]) -> dict[int, dict[str, Any]] | None:
    """The cells' new values from the form (price-<id>, stock-<id>); a cell left out of the
    post keeps its values. None when a cell is bad: its errors are then on the cell."""
    changes: dict[int, dict[str, Any]] = {}
    for cell in matrix.cells:
        assert cell.variant is not None
        vid = cell.variant.pk
        values: dict[str, Any] = {}
        raw_price = post.get(f"price-{vid}")
        if raw_price is not None:
            cell.price = raw_price.strip()
            try:
                price = Decimal(cell.price.replace(",", "."))
            except InvalidOperation:
                price = None
            if price is None or not price.is_finite() or price < Decimal("0.01"):
                cell.errors.append(_("Give a price of at least 0.01, e.g. 59.90."))
            else:
                values["price"] = price
        raw_stock = post.get(f"stock-{vid}")
        if raw_stock is not None:
            cell.quantity = raw_stock.strip()
            quantity = whole(cell.quantity, INT_MAX)
            if quantity is None:
                cell.errors.append(_("Stock is a whole number, 0 or more."))
            else:
                values["quantity"] = quantity
        changes[vid] = values
    if any(c.errors for c in matrix.cells):
        return None
    return changes


def read_new(matrix: Matrix, post: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The empty cells the merchant filled (new-price-<key>, new-stock-<key>, new-sku-<key>):
    a cell with a price becomes a variant; one left blank stays empty. None when a filled
    cell is bad (its errors are on it)."""
    out: dict[str, dict[str, Any]] = {}
    for cell in matrix.empty:
        cell.price = str(post.get(f"new-price-{cell.key}", "")).strip()
        cell.quantity = str(post.get(f"new-stock-{cell.key}", "")).strip()
        cell.sku = str(post.get(f"new-sku-{cell.key}", "")).strip()
        if not (cell.price or cell.quantity or cell.sku):
            continue
        values: dict[str, Any] = {"options": cell.options, "sku": cell.sku}
        try:
            price = Decimal(cell.price.replace(",", ".")) if cell.price else None
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price < Decimal("0.01"):
            cell.errors.append(
                _("Price: give a price of at least 0.01 to create this variant, e.g. 59.90.")
            )
        else:
            values["price"] = price
        quantity = whole(cell.quantity or "0", INT_MAX)
        if quantity is None:
            cell.errors.append(_("Stock: a whole number, 0 or more."))
        else:
            values["quantity"] = quantity
        if len(cell.sku) > 64:
            cell.errors.append(_("SKU: at most 64 characters."))
        out[cell.key] = values
    if any(c.errors for c in matrix.empty):
        return None
    return out


def place_errors(matrix: Matrix, error_dict: Mapping[str, Sequence[Any]]) -> list[str]:
    """Put a service's errors ("<variant id>.<field>") on their cells; the rest come back."""
    by_id = {c.variant.pk: c for c in matrix.cells if c.variant is not None}
    by_key = {c.key: c for c in matrix.empty}
    rest = []
    for key, messages in error_dict.items():
        vid, _dot, name = key.partition(".")
        cell = by_key.get(vid) or by_id.get(id_from(vid) or 0)
        for m in messages:
            text = " ".join(m.messages) if hasattr(m, "messages") else str(m)
            if cell is None:
                rest.append(text)
            else:
                label = {"price": _("Price"), "quantity": _("Stock"), "sku": _("SKU")}.get(
                    name, name
                )
                cell.errors.append(f"{label}: {text}")
    return rest
