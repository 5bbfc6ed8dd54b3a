"""The import page in Chromium with a real background worker: an admin confirms an import, the page shows
the job waiting for a worker, then its progress bar moving while the worker writes (the write's
transaction held open by a test delay), and the bar reaching its end with the summary below it; a job
whose worker is gone says why and runs again. The worker is django-tasks-db's (`manage.py db_worker`), on
the database backend, in a thread of the test process."""

import contextlib
import re
import shutil
import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone
from playwright.sync_api import expect

from filings.models import MonthlyFiling
from imports.models import ImportJob, JobStatus
from tests.browser.test_import_page import SAMPLE, log_in, tree  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tree")]


@contextlib.contextmanager
def worker_running(live_server):
    """django-tasks-db's worker in a thread, for the one task queued: it claims it, runs it and stops.

    The tests' SQLite lives in memory, where connections lock each other's tables at once (a database file
    would wait): there the worker uses the live server's connection (pytest-django hands it to the server's
    threads), so that the pages it serves meanwhile read through the worker's connection, and the heartbeat,
    which would have a connection of its own, is silenced (database_backend). PostgreSQL: a connection of
    its own, as any worker has."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="browser-test",
        excluded_queue_names=[],
    )
    shared = live_server.thread.connections_override.get("default")

    def run():
        if shared is not None:
            connections["default"] = shared
        try:
            while worker.running and worker._run_tasks < 1:
                try:
                    worker.run()
                except OperationalError as exc:
                    # The in-memory SQLite fails an exclusive claim at once while the test's connection reads
                    # (a database file would wait): claim again.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.05)
        finally:
            if shared is None:
                connections.close_all()

    if shared is not None:
        shared.inc_thread_sharing()
    thread = threading.Thread(target=run, name="db-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=30)
        if shared is not None:
            shared.dec_thread_sharing()


@pytest.fixture
def database_backend(settings, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The heartbeat stores the rows written while the write's transaction is open (PostgreSQL); on the tests'
    # in-memory SQLite it stays silent (worker_running), and the phases, stored by the importing thread,
    # move the bar.
    settings.IMPORT_JOB_HEARTBEAT_SECONDS = 0.2 if connection.vendor == "postgresql" else 3600


def unlocked(write):
    """A write of the test's own while the page polls: on the tests' in-memory SQLite, the page's read of
    the same table may hold it at that very moment."""
    for _attempt in range(50):
        try:
            return write()
        except OperationalError:
            time.sleep(0.05)
    return write()


def upload_and_confirm(page, live_server, tmp_path, name):
    log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "filings")
    page.set_input_files("#id_file", str(shutil.copy(SAMPLE, tmp_path / name)))
    page.click("#preview-import")
    expect(page.locator("#count-created")).to_have_text("6")
    page.click("#confirm-import")
    expect(page).to_have_url(re.compile(r"/imports/jobs/\d+/$"))


def test_the_progress_bar_of_an_import_reaches_its_end(
    page, live_server, database_backend, settings, tmp_path, screenshot
):
    # The write's transaction stays open a while, written but not committed: time to watch the bar move.
    settings.IMPORT_TEST_WRITE_DELAY = 3
    upload_and_confirm(page, live_server, tmp_path, "bao_cao_thang_7.xlsx")
    # Queued: no worker has taken it yet.
    bar = page.locator("#import-progress")
    expect(page.locator("#import-job[data-status=queued]")).to_have_count(1)
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("#import-history")).to_have_count(0)  # no import yet (its preview is hidden)

    with worker_running(live_server):
        expect(page.locator("#import-job[data-status=running]")).to_have_count(1)
        expect(page.locator("#rows-read")).to_have_text("7")  # the totals row too, which is skipped
        expect(page.locator("#rows-checked")).to_have_text("7")
        # Writing: the rows go in one transaction, held open a while here.
        expect(page.locator("#import-job[data-phase=writing]")).to_have_count(1, timeout=10_000)
        percent = int(bar.get_attribute("value"))
        assert 40 <= percent < 100, percent
        if connection.vendor == "postgresql":
            # The heartbeat, on a connection of its own, says the rows are written; not committed, nobody
            # else sees them yet.
            expect(page.locator("#rows-written")).to_have_text("6")
            assert MonthlyFiling.objects.count() == 0
        screenshot(page, "import-progress")

        # The end: the bar full, the summary under it.
        expect(bar).to_have_attribute("value", "100", timeout=20_000)
        expect(page.locator("#import-job[data-status=done]")).to_have_count(1)
        expect(page.locator("#import-progress-percent")).to_have_text("100%")
        expect(page.locator("#rows-written")).to_have_text("6")
        expect(page.locator("#import-result #count-created")).to_have_text("6")
        # The list of past imports has it now, without a reload; the file is named once above the summary.
        expect(page.locator("#import-history")).to_contain_text("bao_cao_thang_7.xlsx")
        assert page.locator("#import-job").inner_text().count("bao_cao_thang_7.xlsx") == 1
    assert MonthlyFiling.objects.count() == 6
    assert ImportJob.objects.get().status == JobStatus.DONE


def test_a_failed_job_says_why_and_runs_again(page, live_server, database_backend, tmp_path):
    upload_and_confirm(page, live_server, tmp_path, "bao_cao.xlsx")
    expect(page.locator("#import-job[data-status=queued]")).to_have_count(1)
    # A worker took it and died (nobody holds the job's lock): the page, polling, finds it failed.
    unlocked(lambda: ImportJob.objects.update(status=JobStatus.RUNNING, started_at=timezone.now()))
    expect(page.locator("#import-job[data-status=failed]")).to_have_count(1, timeout=10_000)
    expect(page.locator("#import-job-reason")).not_to_be_empty()
    assert MonthlyFiling.objects.count() == 0

    page.click("#retry-import")
    expect(page.locator("#import-job[data-status=queued]")).to_have_count(1)
    with worker_running(live_server):
        expect(page.locator("#import-result #count-created")).to_have_text("6", timeout=20_000)
    assert MonthlyFiling.objects.count() == 6
    assert ImportJob.objects.get().attempts == 1
