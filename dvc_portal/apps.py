from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DvcPortalConfig(AppConfig):
    name = "dvc_portal"
    verbose_name = _("DVC portal")
