"""The attached files: a directive's file and a report's evidence are downloads for those who see what they
belong to, 404 for anyone else; only documents, at most DIRECTING_MAX_FILE_BYTES, are accepted."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import RowsRefused
from directing.models import TaskAssignment, TaskReport
from directing.services.directives import assignments_add, directive_save, task_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2019, 7, 4)
DEADLINE = datetime.date(2019, 8, 9)


@pytest.fixture
def attached(city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    directive = directive_save(
        number="1574/UBND-VHTT",
        issued=ISSUED,
        issuer=city["T"],
        title="Tuyên truyền",
        file=SimpleUploadedFile("1574.pdf", b"%PDF-1.4 van ban"),
    )
    assignments_add(task_save(directive, title="Treo pano", deadline=DEADLINE), [city["A"]])
    return {
        "directive": directive,
        "assignment": TaskAssignment.objects.get(unit=city["A"]),
        "clerk_a": UserFactory(username="clerk_a", role="clerk", units=[city["A"]]),
        "clerk_x": UserFactory(username="clerk_x", role="clerk", units=[city["X"]]),
        "leader_t": UserFactory(username="leader_t", role="leader", units=[city["T"]]),
    }


def report(client, assignment, upload):
    return client.post(
        reverse("directing:report", args=[assignment.pk]), {"done_on": "2019-08-01", "note": "", "evidence": upload}
    )


def test_evidence_uploaded_with_a_report_is_a_download_for_the_unit_and_its_leader_only(client, attached):
    client.force_login(attached["clerk_a"])
    response = report(client, attached["assignment"], SimpleUploadedFile("pano.png", b"\x89PNG anh pano"))
    assert response.status_code == 302
    evidence = reverse("directing:evidence", args=[TaskReport.objects.get().pk])
    assert evidence in client.get(reverse("directing:report", args=[attached["assignment"].pk])).content.decode()
    download = client.get(evidence)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="pano')
    assert b"".join(download.streaming_content) == b"\x89PNG anh pano"
    client.force_login(attached["leader_t"])
    page = client.get(reverse("directing:directive", args=[attached["directive"].pk])).content.decode()
    assert evidence in page
    assert client.get(evidence).status_code == 200
    client.force_login(attached["clerk_x"])
    assert client.get(evidence).status_code == 404
    client.logout()
    assert client.get(evidence)["Location"].startswith(reverse("login"))


def test_the_directives_file_for_those_who_may_open_the_directive(client, attached):
    url = reverse("directing:directive_file", args=[attached["directive"].pk])
    client.force_login(attached["clerk_a"])
    assert url in client.get(reverse("directing:directive", args=[attached["directive"].pk])).content.decode()
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 van ban"
    client.force_login(attached["clerk_x"])
    assert client.get(url).status_code == 404


def test_a_file_gone_from_the_disk_answers_404(client, attached):
    attached["directive"].file.storage.delete(attached["directive"].file.name)
    client.force_login(attached["clerk_a"])
    assert client.get(reverse("directing:directive_file", args=[attached["directive"].pk])).status_code == 404


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("trang.html", b"<script>alert(1)</script>"), "trang.html: attach a .pdf, .jpg"),
        (SimpleUploadedFile("to.pdf", b"x" * 2000), "to.pdf is larger than"),
    ],
)
def test_other_files_than_documents_and_large_files_are_refused_and_nothing_is_written(
    client, attached, settings, upload, message
):
    settings.DIRECTING_MAX_FILE_BYTES = 1000
    settings.LANGUAGE_CODE = "en"
    client.force_login(attached["clerk_a"])
    response = client.post(
        reverse("directing:report", args=[attached["assignment"].pk]),
        {"done_on": "2019-08-01", "evidence": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TaskReport.objects.exists()


def test_the_directive_service_refuses_a_script_file(attached):
    with pytest.raises(RowsRefused) as refused:
        directive_save(
            number="2/UBND",
            issued=ISSUED,
            issuer=attached["directive"].issuer,
            title="X",
            file=SimpleUploadedFile("x.svg", b"<svg/>"),
        )
    assert refused.value.problems[0][0][0] == "file"
