import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caravana.pricing import quoting
from caravana.pricing.engine import QuoteError


class Command(BaseCommand):
    help = "Landed-cost quote: JSON request on stdin or --file, JSON quote on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="request JSON (default: stdin)")

    def handle(self, *args, file=None, **options):
        try:
            text = file.read_text("utf-8") if file else sys.stdin.read()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"request: not JSON ({exc})") from exc
        try:
            result = quoting.quote_dict(data)
        except QuoteError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        if result["refusals"]:
            reasons = "; ".join(f"{r['field']}: {r['message']}" for r in result["refusals"])
            raise CommandError(f"refused: {reasons}")
