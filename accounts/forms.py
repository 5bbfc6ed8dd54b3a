from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": _("Token name")}
        help_texts = {"name": _("What the token is for, e.g. “monthly report script”.")}
        error_messages = {"name": {"required": _("Give the token a name, so you can tell it apart later.")}}
