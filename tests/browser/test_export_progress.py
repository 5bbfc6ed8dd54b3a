"""A large export in Chromium with a real background worker: a leader asks for the monthly figures of their
district, which hold more rows than EXPORT_INLINE_MAX_ROWS; the page offers to prepare the file in the
background, the job's page shows it waiting for a worker, then its progress bar moving as the worker writes
the rows (slowed down here) and reaching its end, and the file downloads with the rows of the inline export.
The worker is django-tasks-db's, in a thread of the test process (test_import_progress.worker_running)."""

import re
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from accounts.models import Role
from imports import export_jobs
from imports.models import ExportJob, JobStatus
from tests.browser.test_import_page import log_in
from tests.browser.test_import_progress import worker_running
from tests.factories import FilingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]


@pytest.fixture
def district(transactional_db, settings, tmp_path, live_server):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    settings.EXPORT_JOBS_DIR = str(tmp_path / "exports")
    settings.EXPORT_INLINE_MAX_ROWS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_JOB_HEARTBEAT_SECONDS = 0  # every count the writer passes on is stored
    district = UnitFactory(code="881", name="Thị xã Mẫu", kind=UnitKind.DISTRICT)
    procedures = [ProcedureFactory(code=code) for code in ("1.001193", "1.000894")]
    for code in ("88101", "88102", "88103"):
        ward = UnitFactory(code=code, parent=district)
        for procedure in procedures:
            for month in (7, 8):
                FilingFactory(unit=ward, procedure=procedure, year=2024, month=month, received_online=month)
    UserFactory(username="lanhdao", first_name="Trần Thị Lãnh", role=Role.LEADER, units=[district])
    return district


@pytest.fixture
def slow_rows(monkeypatch):
    """The worker passes on every row, a quarter of a second each: time to watch the bar move."""
    monkeypatch.setattr("filings.exports.PROGRESS_EVERY", 1)
    count = export_jobs.ExportProgress.__call__

    def slowly(self, rows):
        time.sleep(0.25)
        count(self, rows)

    monkeypatch.setattr(export_jobs.ExportProgress, "__call__", slowly)


def test_a_large_export_is_prepared_in_the_background_and_downloads(
    page, live_server, district, slow_rows, tmp_path, screenshot
):
    log_in(page, live_server, "lanhdao")
    page.goto(f"{live_server.url}/filings/export.xlsx?unit=881&period=2024")
    expect(page.locator("#export-rows")).to_contain_text("12")
    screenshot(page, "export_large")
    page.click("#export-in-background")
    expect(page).to_have_url(re.compile(r"/imports/exports/\d+/$"))
    bar = page.locator("#import-progress")
    expect(page.locator("#import-job[data-status=queued]")).to_have_count(1)
    expect(bar).to_have_attribute("value", "0")

    with worker_running(live_server):
        expect(page.locator("#import-job[data-status=running]")).to_have_count(1, timeout=10_000)
        # Part-way: some of the 12 rows written, the bar short of its end.
        expect(page.locator("#rows-total")).to_have_text("12")
        expect(page.locator("#rows-written")).to_have_text(re.compile(r"^([1-9]|1[01])$"), timeout=10_000)
        percent = int(bar.get_attribute("value"))
        assert 0 < percent < 100, percent
        screenshot(page, "export_progress")
        # The end: the bar full, and the link to the file.
        expect(bar).to_have_attribute("value", "100", timeout=20_000)
        expect(page.locator("#import-job[data-status=done]")).to_have_count(1)
        expect(page.locator("#rows-written")).to_have_text("12")
    job = ExportJob.objects.get()
    assert (job.status, job.rows_written, job.user.username) == (JobStatus.DONE, 12, "lanhdao")

    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename == "so_lieu_881_2024.xlsx"
    path = tmp_path / "downloaded.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert len(rows) == 12 and {r[0] for r in rows} == {"88101", "88102", "88103"}
