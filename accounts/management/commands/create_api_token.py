from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.tokens import api_token_create
from core.cli import USAGE_ERROR


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it, as the last word of the output. Older tokens stay "
        "valid until revoked (on the API tokens page or in the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="USERNAME", help="the user the token acts for, with their scope")
        parser.add_argument("--name", default="", help="what the token is for (default: created by manage.py)")

    def handle(self, *args, **options):
        username = options["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user {username!r}", returncode=USAGE_ERROR)
        if not user.is_active:
            raise CommandError(
                f"user {username!r} is inactive: a token of theirs would not work", returncode=USAGE_ERROR
            )
        if not user.can_use_api_tokens:
            raise CommandError(
                f"user {username!r} is a {user.role}: only leaders and administrators may use API tokens",
                returncode=USAGE_ERROR,
            )
        name = options["name"].strip() or "created by manage.py create_api_token"
        token, key = api_token_create(user=user, name=name)
        self.stdout.write(
            f"API token {token.name!r} created for {user.username}. Keep the key safe: it is not stored "
            "and cannot be shown again. Send it as the header 'Authorization: Token KEY'."
        )
        # The key alone on the last line, so that scripts can take it with `| tail -n 1`.
        self.stdout.write(key)
