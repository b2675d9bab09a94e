"""Make an API token for a user from the command line, e.g. for a carrier's or a hub's
integration account, which have no console page for it:

    python -m caravana create_token correios-api --name "Correios events" --scope tracking

Without --scope the token gets every scope of the user's role and memberships. The secret is
printed once and never stored."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caravana.accounts import services
from caravana.accounts.models import Scope


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="token", help="What the token is for.")
        parser.add_argument(
            "--scope",
            action="append",
            choices=Scope.values,
            dest="scopes",
            help="A scope to give (repeat for several); default: every scope of the role.",
        )

    def handle(self, *args, username: str, name: str, scopes: list[str] | None, **opts) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            token, secret = services.create_token(user, name, scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"token {token.prefix}… for {username}, scopes: {token.scopes}")
        self.stdout.write(secret)
