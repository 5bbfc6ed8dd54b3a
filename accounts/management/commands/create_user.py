from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_upsert


class Command(BaseCommand):
    help = (
        "Create a portal user, or update the one with that username: the role and the units given replace "
        "the user's role and units."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            required=True,
            metavar="{clerk,leader,admin}",
            help="clerk (enters figures), leader (views, reports) or admin (all units, and the Django admin)",
        )
        parser.add_argument(
            "--unit",
            dest="units",
            action="extend",
            nargs="+",
            default=[],
            metavar="CODE",
            help="a unit the user may see, with everything below it (repeat or list several); "
            "updating a user replaces its units",
        )
        parser.add_argument(
            "--password",
            help="set this password; otherwise a new user gets none it can log in with and an existing "
            "one keeps theirs",
        )

        parser.add_argument(
            "--email", help="the user's e-mail address, where the daily reminders go (manage.py send_reminders)"
        )

    def handle(self, *args, username, role, units, password, email, **options):
        try:
            user, created = user_upsert(username=username, role=role, unit_codes=units, password=password, email=email)
        except ValidationError as exc:
            raise CommandError(_one_line(exc), returncode=2) from None
        codes = sorted(user.units.values_list("code", flat=True))
        scope = ", ".join(codes) or ("all units" if user.role == Role.ADMIN else "no units")
        self.stdout.write(f"{'created' if created else 'updated'} user {user.username} ({user.role}, {scope})")
        if created and password is None:
            self.stdout.write(f"It has no password yet: set one with `manage.py changepassword {user.username}`.")


def _one_line(error: ValidationError) -> str:
    """Every message of a ValidationError on one line, each prefixed by its field when it has one."""
    if hasattr(error, "error_dict"):
        messages = [
            message if field == "__all__" else f"{field}: {message}"
            for field, field_messages in error.message_dict.items()
            for message in field_messages
        ]
    else:
        messages = error.messages
    return "; ".join(" ".join(message.split()) for message in messages)
