from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class ImportsConfig(AppConfig):
    """Reading the files users bring and importing them: the readers, the framework every app's
    `importers.py` builds on, the runner, the import page, the admin's import and the import log."""

    name = "imports"
    verbose_name = _("Imports")

    def ready(self):
        # Each app's importers.py registers its kinds (imports.registry), as admin.py registers models.
        autodiscover_modules("importers")


class TaskQueueConfig(tasks_db_apps.TasksAppConfig):
    """django-tasks-db (the queue of the background imports and exports) under a name the admin shows in the
    user's language: its own is a plain English string ("Tasks Database Backend"). Named in INSTALLED_APPS;
    not the `imports` app's own (`default = False`: ImportsConfig stays the one Django picks for it)."""

    default = False
    verbose_name = _("Task queue")
