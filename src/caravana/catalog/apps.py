from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "caravana.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.backends.signals import connection_created
        from PIL import Image

        from caravana.catalog import receivers, word_categories

        receivers.connect()
        # SQLite's product triggers call a Python function (catalog.word_categories).
        connection_created.connect(
            word_categories.on_connection_created, dispatch_uid="catalog.word_categories"
        )

        # Pillow warns past this many pixels and refuses past twice it, while reading a
        # header; catalog.images checks its own limit (the same number) before decoding.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
