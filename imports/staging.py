"""Uploaded files between preview and confirm, for the import page and the admin's import alike.

The upload is kept in IMPORT_STAGING_DIR under its SHA-256; the preview is a dry run of the importer on
it, and the confirm step re-runs that very file (named by the preview's ImportRecord), never data sent back
by the browser. Previews left unconfirmed for a day are removed."""

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


def staged_path(sha256, file_name) -> Path:
    return staging_dir() / f"{sha256}{Path(file_name).suffix.lower()}"


def stage(upload) -> tuple[Path, str]:
    """Write the upload to the staging directory under its hash; returns (path, sha256)."""
    _clean_staging()
    with tempfile.NamedTemporaryFile(dir=staging_dir(), delete=False, suffix=".part") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    sha256, _size = file_sha256(tmp.name)
    path = staged_path(sha256, upload.name)
    Path(tmp.name).replace(path)
    return path, sha256


def preview_upload(kind, upload, *, user, force, source, unit_code=""):
    """Stage the upload and run the importer dry on it: the report with its ImportRecord (the preview to
    confirm) and the first PREVIEW_CHANGES rows that would change. A file the importer refuses is not
    kept."""
    path, _sha = stage(upload)
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
    if not report.ok:
        path.unlink(missing_ok=True)
    return report


def staged_file(preview) -> Path | None:
    """The file a preview ImportRecord was made from, if it is still staged and unchanged."""
    if preview is None:
        return None
    path = staged_path(preview.sha256, preview.file_name)
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
