from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Reading the files users bring and importing them: the readers, the framework every app's
    `importers.py` builds on, the runner, the import page, the admin's import and the import log."""

    name = "imports"
    verbose_name = _("Imports")

    def ready(self):
        # Each app's importers.py registers its kinds (imports.registry), as admin.py registers models.
        autodiscover_modules("importers")
