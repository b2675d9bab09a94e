from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "caravana.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from caravana.catalog import receivers

        receivers.connect()

        # Pillow warns past this many pixels and refuses past twice it, while reading a
        # header; catalog.images checks its own limit (the same number) before decoding.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
