"""Write the missing thumbnails of every stored product picture (catalog.thumbnails): once,
after an upgrade, for pictures stored before thumbnails existed. Pictures stored since have
theirs written when they were stored; a second run writes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from caravana.catalog import thumbnails
from caravana.catalog.models import ProductImage


class Command(BaseCommand):
    help = "Write missing thumbnails of product pictures (WebP and JPEG, 240/480/960 px)."

    def handle(self, *args: Any, **options: Any) -> None:
        storage = ProductImage._meta.get_field("image").storage
        names = ProductImage.objects.values_list("image", flat=True).distinct().iterator()
        done = failed = 0
        for name in names:
            try:
                thumbnails.write(storage, name)
                done += 1
            except (OSError, ValueError) as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
        self.stdout.write(f"{done} pictures have their thumbnails; {failed} could not be read.")
