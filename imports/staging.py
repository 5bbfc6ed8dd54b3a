"""Uploaded files between preview and confirm, for the import page and the admin's import alike.

The upload is kept in IMPORT_STAGING_DIR under its SHA-256 and its preview's ImportRecord, so that two
users (or one user twice) previewing the same bytes each keep their own copy: refusing one preview never
removes another's. The preview is a dry run of the importer on it, and the confirm step re-runs that very
file (named by the preview's ImportRecord), never data sent back by the browser. Previews left unconfirmed
for a day are removed."""

import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings

from .runner import file_sha256, run_import

MAX_AGE_SECONDS = 24 * 3600
# The rows that would change that a preview lists (with their old and new values); it counts the rest.
PREVIEW_CHANGES = 200


def staging_dir() -> Path:
    path = Path(getattr(settings, "IMPORT_STAGING_DIR", None) or Path(tempfile.gettempdir()) / "dvc_portal_imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def staged_path(preview) -> Path:
    """Where the file of a preview ImportRecord is kept: its hash and the record's number."""
    return staging_dir() / f"{preview.sha256}-{preview.pk}{Path(preview.file_name).suffix.lower()}"


def _receive(upload) -> Path:
    """Write the upload to the staging directory under a name of its own (not yet its preview's)."""
    _clean_staging()
    path = staging_dir() / f"incoming-{secrets.token_hex(8)}{Path(upload.name).suffix.lower()}"
    with path.open("xb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def preview_upload(kind, upload, *, user, force, source, unit_code=""):
    """Stage the upload and run the importer dry on it: the report with its ImportRecord (the preview to
    confirm) and the first PREVIEW_CHANGES rows that would change. A file the importer refuses is not
    kept."""
    path = _receive(upload)
    try:
        report = run_import(
            kind,
            path,
            name=Path(upload.name).name,
            user=user,
            dry_run=True,
            force=force,
            source=source,
            unit_code=unit_code,
            preview_changes=PREVIEW_CHANGES,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if report.ok and report.record is not None:
        path.replace(staged_path(report.record))
    else:
        path.unlink(missing_ok=True)
    return report


def staged_file(preview) -> Path | None:
    """The file a preview ImportRecord was made from, if it is still staged and unchanged."""
    if preview is None:
        return None
    path = staged_path(preview)
    if not path.exists() or file_sha256(path)[0] != preview.sha256:
        return None
    return path


def confirm_preview(preview, *, user, force, source, progress=None):
    """Import for real the file a preview ImportRecord was made from: the report, or None when the file is
    no longer staged (confirmed already, or older than a day). The staged file is removed once imported;
    a run that did not end (a worker killed) leaves it for the next run."""
    path = staged_file(preview)
    if path is None:
        return None
    report = run_import(
        preview.kind,
        path,
        name=preview.file_name,
        user=user,
        force=force,
        source=source,
        unit_code=preview.unit_code,
        progress=progress,
    )
    if report.ok:
        path.unlink(missing_ok=True)
    return report


def _clean_staging(max_age=MAX_AGE_SECONDS):
    limit = time.time() - max_age
    for path in staging_dir().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass  # another request removed it first
