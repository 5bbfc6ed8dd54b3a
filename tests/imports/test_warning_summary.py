"""Many warnings of one kind are summarised, on the command line and on the import page: "N rows: does not
balance; the first 20", with every error and warning of the import downloadable as CSV; `import_data`
draws a progress bar on a terminal, and only there."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from imports.models import ImportIssues, ImportJob, ImportRecord
from tests.factories import UserFactory
from tests.imports.bulk import write_filings_csv
from tests.imports.conftest import run_cli

BALANCE = "does not balance (carried over + received = resolved + pending)"


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")


def test_the_command_line_lists_the_first_20_warnings_of_a_kind_and_counts_the_rest(offered, tmp_path):
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1, 2], unbalanced=30)
    status, out, err = run_cli("filings", path, "--dry-run")
    lines = err.splitlines()
    assert status == 0 and out.strip().splitlines()[-1] == "created 40, updated 0, unchanged 0, errors 0, warnings 30"
    assert lines[0] == (f"bao_cao.csv: warning: 30 rows: {BALANCE}; the first 20 follow (--all-warnings lists all 30)")
    assert len(lines) == 21
    assert lines[1] == (
        "row 2, column Kỳ trước chuyển qua: warning: carried over + received = resolved + pending does not "
        "balance: 8 ≠ 9"
    )
    assert lines[20].startswith("row 21, ")

    status, out, err = run_cli("filings", path, "--dry-run", "--all-warnings")
    assert len(err.splitlines()) == 30 and all(line.startswith("row ") for line in err.splitlines())


def test_up_to_20_warnings_of_each_kind_are_listed_as_before(offered, tmp_path):
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1], unbalanced=20)
    status, out, err = run_cli("filings", path, "--dry-run")
    assert [line.split(",")[0] for line in err.splitlines()] == [f"row {n}" for n in range(2, 22)]


def test_every_issue_of_an_import_is_kept_with_its_record(offered, tmp_path):
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1, 2], unbalanced=30)
    run_cli("filings", path)
    record = ImportRecord.objects.get()
    issues = ImportIssues.objects.get(record=record)
    assert [(g["kind"], g["count"], g["rows"], len(g["first"])) for g in issues.summary["groups"]] == [
        (BALANCE, 30, 30, 20)
    ]
    rows = list(csv.reader(io.StringIO(issues.csv_rows().decode())))
    assert len(rows) == 30 and rows[0][:4] == ["2", "Kỳ trước chuyển qua", "warning", BALANCE]
    # Nothing is kept for an import without problems.
    run_cli("filings", write_filings_csv(tmp_path / "clean.csv", months=[3]))
    assert ImportIssues.objects.count() == 1


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="quantri", role="admin"))
    return client


def warning_tables(html):
    return html.count('class="import-table import-issues import-warning-group"')


def test_the_page_summarises_the_warnings_by_kind_and_offers_them_all(admin_client, offered, tmp_path):
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1, 2], unbalanced=30)
    with open(path, "rb") as handle:
        response = admin_client.post(reverse("imports:page"), {"kind": "filings", "file": handle})
    html = response.content.decode()
    group = html.split('class="import-table import-issues import-warning-group"', 1)[1].split("</table>", 1)[0]
    assert warning_tables(html) == 1 and group.count("<tr>") == 21  # the header and the first 20
    assert "30" in group.split("</caption>")[0] and 'id="import-issues-download"' in html
    preview = ImportRecord.objects.get()

    response = admin_client.get(reverse("imports:issues", args=[preview.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 31 and rows[1][0] == "2" and rows[30][0] == "31"

    # Confirmed, the job's result shows the same summary, read back from what the import kept.
    admin_client.post(reverse("imports:confirm", args=[preview.pk]))
    job = ImportJob.objects.get()
    html = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert warning_tables(html) == 1 and 'id="count-warnings">30<' in html
    assert reverse("imports:issues", args=[job.result.pk]) in html


def test_the_download_is_for_administrators(client, offered, tmp_path):
    run_cli("filings", write_filings_csv(tmp_path / "bao_cao.csv", months=[1], unbalanced=2))
    record = ImportRecord.objects.get()
    client.force_login(UserFactory(username="lanhdao", role="leader", units=[offered["881"]]))
    assert client.get(reverse("imports:issues", args=[record.pk])).status_code == 403


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_on_a_terminal_and_only_there(offered, tmp_path):
    path = write_filings_csv(tmp_path / "bao_cao.csv", months=[1, 2])
    out = Terminal()
    call_command("import_data", "filings", str(path), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    bar, summary = text.rstrip("\n").rsplit("\n", 1)
    assert summary == "created 40, updated 0, unchanged 0, errors 0"
    last = bar.split("\r")[-1]
    assert last.startswith("[####################] 100% finished · read 40, checked 40, written 40 · in ")

    status, out, err = run_cli("filings", path)  # not a terminal: the summary alone, as before
    assert out == "created 0, updated 0, unchanged 40, errors 0\n"
