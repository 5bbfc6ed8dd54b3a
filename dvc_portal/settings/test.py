"""Tests: fast password hashing, plain static storage, Vietnamese by default like production."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the apps' and project's static folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Background jobs run inside the request that queues them, so that a test sees its import done; the tests of
# the worker itself use the database backend (TASKS_BACKEND=django_tasks_db.DatabaseBackend for a worker
# started by a test).
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django.tasks.backends.immediate.ImmediateBackend")}}
# Tests only: seconds an import sleeps inside its write transaction, after writing and before committing,
# so that a test can watch its progress or kill its worker half-way (imports.runner).
IMPORT_TEST_WRITE_DELAY = env.float("IMPORT_TEST_WRITE_DELAY", default=0)
