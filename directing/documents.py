"""The files attached in directing (a directive's file, a report's evidence, an inspection's report): kinds
of document only, and at most DIRECTING_MAX_FILE_BYTES. Asked by the model fields' validator (the admin)
and by the services (the pages). They are served only through directing.views.files, to users who may see
what they belong to, and always as downloads."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "odt", "xls", "xlsx", "ods")


def max_file_bytes() -> int:
    return settings.DIRECTING_MAX_FILE_BYTES


def document_problem(upload) -> str | None:
    """Why `upload` (a Django File) cannot be attached, or None."""
    if not upload:
        return None
    extension = os.path.splitext(upload.name or "")[1].lstrip(".").lower()
    if extension not in DOCUMENT_EXTENSIONS:
        return _("%(name)s: attach a %(kinds)s file") % {
            "name": os.path.basename(upload.name or ""),
            "kinds": ", ".join(f".{e}" for e in DOCUMENT_EXTENSIONS),
        }
    if upload.size is not None and upload.size > max_file_bytes():
        return _("%(name)s is larger than %(limit)s MB") % {
            "name": os.path.basename(upload.name),
            "limit": max_file_bytes() // (1024 * 1024),
        }
    return None


def validate_document(upload):
    """The model fields' validator (document_problem)."""
    if problem := document_problem(upload):
        raise ValidationError(problem, code="document")
