from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectingConfig(AppConfig):
    name = "directing"
    verbose_name = _("Directing and outreach")
