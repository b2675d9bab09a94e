"""A free-shipping offer saved or deleted by any path (the admin, a shell) is copied onto its
merchant's listing rows after the commit (promotions.services.sync_free_shipping)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from caravana.promotions.models import FreeShipping
from caravana.promotions.services import sync_free_shipping


@receiver(post_save, sender=FreeShipping, dispatch_uid="promotions.free_shipping.save")
@receiver(post_delete, sender=FreeShipping, dispatch_uid="promotions.free_shipping.delete")
def offer_changed(sender: Any, instance: FreeShipping, **_kwargs: Any) -> None:
    merchant_id = instance.merchant_id
    transaction.on_commit(lambda: sync_free_shipping(merchant_id))
