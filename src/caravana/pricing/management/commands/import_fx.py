from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caravana.pricing import fx_import, services


class Command(BaseCommand):
    help = "Import FX rates from an ECB eurofxref XML file or a CSV (date,base,quote,rate,source)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--ecb", type=Path, help="eurofxref XML (daily or historical)")
        group.add_argument("--csv", type=Path, help="CSV for currencies the ECB lacks")
        parser.add_argument("--source", default="", help="source for CSV lines without one")

    def handle(self, *args, ecb=None, csv=None, source="", **options):
        path = ecb or csv
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            if ecb:
                rows = fx_import.parse_ecb(data)
            else:
                rows = fx_import.parse_csv(data.decode("utf-8-sig"), source)
        except fx_import.FxImportError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        n = services.save_rates(rows)
        self.stdout.write(self.style.SUCCESS(f"imported {n} rates from {path}"))
