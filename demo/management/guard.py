"""The demo commands write demo logins (admin / admin) and synthetic data: they refuse to run where
DEMO_COMMANDS_ALLOWED is off (dvc_portal.settings.production)."""

from django.conf import settings
from django.core.management.base import CommandError


def refuse_in_production(command: str):
    if not getattr(settings, "DEMO_COMMANDS_ALLOWED", False):
        raise CommandError(
            f"{command} writes demo data and logins; it does not run with the production settings "
            f"({settings.SETTINGS_MODULE})",
            returncode=2,
        )
