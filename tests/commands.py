"""Running a management command as `manage.py` would, for the tests of the commands' exit status and
output."""

from io import StringIO
from unittest import mock

from django.core.management import load_command_class


def run_command(app, name, *argv):
    """Run `manage.py NAME ARGV...` of `app`, returning (exit status, stdout, stderr).

    run_from_argv closes the database connections when it ends, which on PostgreSQL would end the test's
    transaction under the assertions and commands that follow: that is patched out here."""
    out, err = StringIO(), StringIO()
    command = load_command_class(app, name)
    command.stdout._out, command.stderr._out = out, err
    status = 0
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", name, *argv])
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()
