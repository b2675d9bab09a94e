"""Customs follows label creation: every new parcel gets its declaration in the same
transaction, so a parcel never exists without one."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from caravana.customs import services
from caravana.fulfillment.events import label_created, labels_created


@receiver(label_created, dispatch_uid="customs.label_created")
def on_label_created(sender: Any, parcel: Any, **kwargs: Any) -> None:
    services.declare_parcel(parcel)


@receiver(labels_created, dispatch_uid="customs.labels_created")
def on_labels_created(sender: Any, parcels: Any, **kwargs: Any) -> None:
    services.declare_batch([p.pk for p in parcels])
