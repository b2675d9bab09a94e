"""Merchants, stores, products, variants and stock."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.catalog.error_codes import CatalogErrorCode
from caravana.catalog.images import SafeImageField, product_image_path, store_logo_path
from caravana.catalog.languages import fallback_order
from caravana.catalog.validators import validate_hs_code, validate_uscc
from caravana.errors import field_error


class Merchant(models.Model):
    legal_name = models.CharField(_("legal name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    contact_name = models.CharField(_("contact name"), max_length=120)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=80)
    payout_currency = models.CharField(_("payout currency"), max_length=3, default="CNY")
    #: How often payouts pay this merchant (payments.payouts.period_of): at most once a period.
    payout_schedule = models.CharField(
        _("payout schedule"),
        max_length=8,
        choices=[("weekly", _("Weekly")), ("monthly", _("Monthly"))],
        default="weekly",
        db_default="weekly",
    )
    # Facts other apps own, copied here so the listing rows can be refreshed from catalog alone
    # (catalog.delivery_facts; decision 0028): an active free-shipping offer (caravana.
    # promotions) and a record of shipping on time (caravana.reviews' reputation).
    ships_free = models.BooleanField(default=False, db_default=False, editable=False)
    ships_on_time = models.BooleanField(default=False, db_default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class MerchantMember(models.Model):
    """Merchant staff belong to exactly one merchant."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_membership"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"


class Store(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stores")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    logo = SafeImageField(_("logo"), upload_to=store_logo_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)
    name_es = models.CharField(max_length=80)
    name_pt_br = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    name_zh_hans = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name_en

    def name(self, language: str) -> str:
        for sfx in fallback_order(language):
            value = getattr(self, f"name_{sfx}")
            if value:
                return value
        return self.slug


class BatteryType(models.TextChoices):
    NONE = "none", _("No lithium battery")
    IN_EQUIPMENT = "in_equipment", _("Lithium battery in or with equipment")
    STANDALONE = "standalone", _("Standalone lithium battery")


class PriceCurrency(models.TextChoices):
    CNY = "CNY", "CNY"
    USD = "USD", "USD"


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    hs_code = models.CharField(_("HS code"), max_length=6, validators=[validate_hs_code])
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    title_pt_br = models.CharField(_("title (Portuguese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_pt_br = models.TextField(_("description (Portuguese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    # The cheapest variant's price, kept by catalog.services so listings can filter and sort
    # on price without touching variants.
    price_from = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_currency = models.CharField(max_length=3, choices=PriceCurrency.choices, default="CNY")
    is_active = models.BooleanField(_("active"), default=True)
    # The visible reviews' average stars (0 when none) and count, kept by
    # catalog.services.set_rating (called by caravana.reviews) so cards read no review.
    # Database defaults too: the bulk seed writes its rows without these columns.
    rating_avg = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0"), db_default=Decimal("0")
    )
    rating_count = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["category", "is_active", "price_from"]),
            models.Index(fields=["store", "is_active"]),
            models.Index(fields=["is_active", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title("en")

    def title(self, language: str) -> str:
        for sfx in fallback_order(language):
            value = getattr(self, f"title_{sfx}")
            if value:
                return value
        return ""

    def clean(self) -> None:
        """A product holding a variant buyers cannot receive stays off sale (catalog.sellable):
        listings trust ``is_active``."""
        from caravana.catalog import sellable

        if (
            self.pk
            and self.is_active
            and Variant.objects.filter(sellable.refused_variants(), product_id=self.pk).exists()
        ):
            raise field_error(
                "is_active",
                _(
                    "This product has a variant we cannot deliver (a standalone lithium "
                    "battery): change or delete that variant first."
                ),
                CatalogErrorCode.UNDELIVERABLE_VARIANT,
            )

    def description(self, language: str) -> str:
        for sfx in fallback_order(language):
            if getattr(self, f"title_{sfx}"):
                return getattr(self, f"description_{sfx}")
        return ""


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Kept beside the product so the database itself enforces "SKU unique per merchant".
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64)
    options = models.JSONField(_("options"), default=dict, blank=True)
    #: The merchant's own translations of the option values, {"pt-br": {"colour": "preto"}}:
    #: see catalog.option_words for what a buyer reads when one is missing.
    option_translations = models.JSONField(_("option translations"), default=dict, blank=True)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=PriceCurrency.choices, default="CNY"
    )
    weight_g = models.PositiveIntegerField(_("weight (g)"), validators=[MinValueValidator(1)])
    length_cm = models.DecimalField(_("length (cm)"), max_digits=6, decimal_places=1)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=6, decimal_places=1)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=6, decimal_places=1)
    battery = models.CharField(
        _("lithium battery"), max_length=16, choices=BatteryType.choices, default=BatteryType.NONE
    )

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "sku"], name="variant_sku_unique_per_merchant"
            )
        ]
        # An operator's search by SKU names no merchant: the unique index above starts with the
        # merchant, so without this one the search reads all of it (296 ms at 1.5M variants).
        indexes = [models.Index(fields=["sku"], name="variant_sku")]

    def __str__(self) -> str:
        return self.sku

    def clean(self) -> None:
        """Refuse, naming the field, what the network would refuse at the parcel desk: it is
        never listed, so never sold (catalog.sellable)."""
        from caravana.catalog import sellable

        message = sellable.refusal(self.battery)
        if message:
            raise field_error("battery", message, CatalogErrorCode.UNDELIVERABLE_VARIANT)

    @property
    def options_label(self) -> str:
        """The option values in the active language (catalog.option_words)."""
        from caravana.catalog.option_words import options_text

        return options_text(self.options, self.option_translations)

    @property
    def merchant_options_label(self) -> str:
        """The option values as the merchant wrote them."""
        return " / ".join(str(v) for v in self.options.values())


class Warehouse(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(_("name"), max_length=80)
    city = models.CharField(_("city"), max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="warehouse_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Stock(models.Model):
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_unique"),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("quantity")),
                name="stock_reserved_lte_qty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.quantity}"

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class ProductImage(models.Model):
    """A picture of a product; the first by position is its main picture (cards, the page's
    first view). One linked to a variant shows when the buyer picks that variant; the
    variant's first by position is its main picture. Resized copies sit beside the file
    (catalog.thumbnails). Seeded pictures share files (catalog.seeding.pictures), so a file is
    deleted only with the last row naming it (catalog.services.delete_image)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    variant = models.ForeignKey(
        Variant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="images",
        verbose_name=_("variant"),
    )
    image = SafeImageField(_("image"), upload_to=product_image_path)
    position = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


# The scopes a listing is drawn from (catalog.search): index name part and leading columns.
LISTING_SCOPES = (
    ("all", ["country"]),
    ("top", ["country", "category_top"]),
    ("cat", ["country", "category_ref"]),
    ("store", ["country", "store_ref"]),
)
# The orders: index name part and the columns after the scope's and is_active. Each carries the
# delivery filters' columns last: a page of a filtered listing deeper than the ship index's
# COUNT_CAP rows walks its order's index and checks ships_free and speed in the index (page 400
# of "ships on time" passed 38,000 table rows at 1,000,000 products on SQLite, 38 ms).
LISTING_ORDERS = (
    ("price", ["amount", "product", "ships_free", "speed"]),
    ("new", ["created_at", "product", "amount", "ships_free", "speed"]),
    ("rating", ["rating", "product", "ships_free", "speed"]),
)


class ListingPrice(models.Model):
    """A product's landed price for one destination, precomputed so listings can filter and
    sort on what the buyer pays (catalog.landed). One row per active product and country: the
    one-unit landed total of its cheapest sellable variant there, by the default service, or
    no amount when it cannot be priced (refused, no rule, no rate). ``basis`` says which rule
    set, rate card and FX rates it was computed with: a card reads the row only while that
    basis is current and the product unchanged (``product_updated_at``), else computes live.
    The listing columns (active, category and its top category, store, created) are copied so
    every listing without words in a buyer's country reads this table alone, in the order of
    one of its indexes (docs/decisions/0010-listings-read-one-index.md)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="listing_prices", db_index=False
    )
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    variant_id_ref = models.BigIntegerField(
        null=True
    )  # the variant priced (no FK: kept by refresh)
    rule_set_id = models.CharField(max_length=60, blank=True)
    rate_card_id = models.CharField(max_length=60, blank=True)
    fx_date = models.DateField(null=True)  # the oldest FX rate used
    basis = models.CharField(max_length=16)
    product_updated_at = models.DateTimeField()
    computed_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    category_ref = models.BigIntegerField()
    # The top of the category's tree (the category itself when it has no parent): a top
    # category's page is one equality on one index, not a merge of its children's.
    category_top = models.BigIntegerField(null=True)
    store_ref = models.BigIntegerField()
    created_at = models.DateTimeField()
    # A copy of Product.rating_avg (0: no review), for the rating sort and filter
    # (lp_*_rating; decision 10, item 5): written by refresh and by catalog.services.set_rating.
    rating = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0"), db_default=Decimal("0")
    )
    # The free-shipping and delivery-speed filters (decision 0028): copies of the store's
    # Merchant.ships_free and of catalog.delivery_facts.speed (1 local stock in this country,
    # 2 a store that ships on time, 3 the rest), read along lp_*_ship.
    ships_free = models.BooleanField(default=False, db_default=False)
    speed = models.SmallIntegerField(default=3, db_default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "country"], name="listingprice_unique")
        ]
        # One index per listing scope (all, top category, category, store) and order (landed
        # price, newest), each ending in product_id, the tie-break of the ORDER BY, so a page
        # is a walk along one index and a count a walk of at most COUNT_CAP entries of it. The
        # newest indexes carry the amount last, so a price range is checked in the index.
        indexes = [
            models.Index(fields=[*scope, "is_active", *key], name=f"lp_{name}_{order}")
            for name, scope in LISTING_SCOPES
            for order, key in LISTING_ORDERS
        ] + [
            # A filtered listing counts and reads its (at most COUNT_CAP) rows along these; the
            # amount last, so a price sort or range is counted in the index alone. Within one
            # (ships_free, speed) pair the entries are newest first, so the newest page of a
            # delivery filter keeping fewer than COUNT_CAP products merges a walk per pair
            # (catalog.search._newest_shipped).
            models.Index(
                fields=[
                    *scope,
                    "is_active",
                    "ships_free",
                    "speed",
                    "created_at",
                    "product",
                    "amount",
                ],
                name=f"lp_{name}_ship",
            )
            for name, scope in LISTING_SCOPES
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.country}: {self.amount} {self.currency}"


class LocalStock(models.Model):
    """A product that a returns point of `country` holds for resale (caravana.returns reports
    it through catalog.delivery_facts.set_local_stock): it arrives in days, not weeks, so its
    listing rows there carry speed 1. Kept here so a refresh of the rows reads catalog alone."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="local_stock", db_index=False
    )
    country = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "country"], name="localstock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.country}"


class SearchTerm(models.Model):
    """A word of the products' titles in one content language and how many products hold it:
    the vocabulary that misspelt words are corrected against and half-typed words completed
    from (catalog.vocabulary). Copied from the index (FTS5's fts5vocab on SQLite, ts_stat on
    PostgreSQL) by catalog.vocabulary.refresh, after a seed and hourly: reading the index's
    own vocabulary per keystroke would count every matching product each time."""

    language = models.CharField(max_length=7)  # a CONTENT_LANGUAGES suffix: "es", "pt_br", "en"
    term = models.CharField(max_length=64)  # folded: lower case, no accents
    docs = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "term"], name="searchterm_unique")
        ]

    def __str__(self) -> str:
        return f"{self.language}:{self.term} ({self.docs})"


class WordCategory(models.Model):
    """A word of the products' text in one content language and a category holding a product
    with it, so that a search whose words never meet in one category reads no index
    (catalog.word_categories). Kept by triggers on every product write, never pruned: a
    superset of the truth, which is all a "nothing here" answer needs."""

    language = models.CharField(max_length=7)  # a CONTENT_LANGUAGES suffix
    term = models.CharField(max_length=64)  # folded as its index holds it
    category_id = models.BigIntegerField()

    class Meta:
        # No unique constraint (catalog.word_categories._ABSENT). On PostgreSQL the pattern
        # operator classes serve `term LIKE 'prefix%'` in any collation; SQLite ignores them.
        indexes = [
            models.Index(
                fields=["language", "term", "category_id"],
                name="wordcategory_term",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}:{self.term} in {self.category_id}"
