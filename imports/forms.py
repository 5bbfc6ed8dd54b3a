from django import forms
from django.utils.translation import gettext_lazy as _

from . import tabular
from .registry import kind_choices


class UploadForm(forms.Form):
    """A file to import, checked for its type and size before anything reads it: the upload of the
    import page and of the admin's import."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(".xlsx, .xls, .ods or .csv (UTF-8, comma or semicolon); .json for OpenCPS statistics"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv,.json"}),
    )
    unit = forms.CharField(
        label=_("Unit of the report"),
        required=False,
        max_length=40,
        help_text=_(
            "Monthly figures only: the unit's code, for one unit's report (form 06) that names it only in its title."
        ),
    )
    force = forms.BooleanField(
        label=_("Overwrite figures of approved or closed months"),
        required=False,
        help_text=_("Monthly figures only. Without it, rows of locked months are refused."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            tabular.file_type(upload.name)
        except tabular.FileProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        if upload.size > tabular.max_bytes():
            raise forms.ValidationError(
                _("The file is %(size)s bytes; files over %(limit)s bytes are refused.")
                % {
                    "size": f"{upload.size:,}".replace(",", "."),
                    "limit": f"{tabular.max_bytes():,}".replace(",", "."),
                }
            )
        return upload


class ImportUploadForm(UploadForm):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=kind_choices)
    field_order = ["kind", "file", "unit", "force"]


class ConfirmForm(forms.Form):
    force = forms.BooleanField(required=False)
