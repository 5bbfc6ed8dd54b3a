"""The preview lists the rows an import would change: for an update the old and new value of each field
it changes, for a new row its key and values; the first N rows, then how many more. The values are read
back inside the dry run's transaction, so they are what the write service did."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from filings.models import MonthlyFiling
from filings.services import Source, field_filings_upsert, filings_upsert
from imports.models import ImportRecord
from imports.registry import kind_label
from imports.runner import run_import
from procedures.models import Field, Offering, Procedure, ServiceLevel
from reports.models import Target
from tests.factories import UserFactory
from tests.imports.files import write_xlsx
from units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

FILINGS_HEADER = ["Mã đơn vị", "Mã TTHC", "Kỳ báo cáo", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp"]


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def preview(path, kind, limit=200, **options):
    return run_import(kind, path, dry_run=True, preview_changes=limit, **options)


def as_text(change):
    """A change as the page words it: key, then "label: old → new" (update) or "label: new" (new row)."""
    values = [
        f"{label}: {old} → {new}" if not change.created else f"{label}: {new}" for label, old, new in change.values
    ]
    return f"{change.row} {'+' if change.created else '~'} {change.key} | " + "; ".join(values)


def stored_filing(tree, unit, procedure, **counts):
    row = {
        "unit_id": tree[unit].pk,
        "procedure_id": Procedure.objects.get(code=procedure).pk,
        "year": 2024,
        "month": 7,
        **counts,
    }
    filings_upsert([row], fields=list(counts), source=Source.IMPORT)


def test_filings_updates_show_old_and_new_values_and_new_rows_their_values(tree, tmp_path):
    stored_filing(tree, "88101", "1.001193", received_online=12, received_direct=3)
    stored_filing(tree, "88102", "1.001193", received_online=1, received_direct=1)
    path = write_xlsx(
        tmp_path / "thang7.xlsx",
        [
            FILINGS_HEADER,
            ["88101", "1.001193", "07/2024", 15, 3],  # online 12 -> 15
            ["88102", "1.001193", "07/2024", 1, 1],  # unchanged: not listed
            ["88103", "1.000894", "07/2024", 1234, 0],  # new
        ],
    )
    report = preview(path, "filings")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert [as_text(change) for change in report.changes] == [
        "2 ~ 88101 · 1.001193 · 07/2024 | Tiếp nhận trực tuyến: 12 → 15",
        "4 + 88103 · 1.000894 · 07/2024 | Tiếp nhận trực tuyến: 1.234; Tiếp nhận trực tiếp: 0",
    ]
    assert report.more_changes == 0
    # Nothing was written, and the stored row is as it was.
    assert MonthlyFiling.objects.count() == 2
    assert MonthlyFiling.objects.get(unit=tree["88101"]).received_online == 12


def test_field_filings_name_the_field(tree, tmp_path):
    births = Field.objects.get(code="G09.HT", name="Hộ tịch")  # the procedures' field (tests.factories)
    Field.objects.create(code="G09.CT", name="Chứng thực")
    field_filings_upsert(
        [{"unit_id": tree["88101"].pk, "field_id": births.pk, "year": 2024, "month": 8, "received_online": 40}],
        fields=["received_online"],
        source=Source.IMPORT,
    )
    path = write_xlsx(
        tmp_path / "mau06.xlsx",
        [
            ["Kỳ báo cáo: tháng 8/2024"],
            ["Lĩnh vực", "Tiếp nhận trực tuyến"],
            ["Lĩnh vực Hộ tịch", 48],
            ["Chứng thực", 5],
        ],
    )
    report = preview(path, "field_filings", unit_code="88101")
    assert [as_text(change) for change in report.changes] == [
        "3 ~ 88101 · Hộ tịch · 08/2024 | Tiếp nhận trực tuyến: 40 → 48",
        "4 + 88101 · Chứng thực · 08/2024 | Tiếp nhận trực tuyến: 5",
    ]


def test_units_show_labels_not_codes(tree, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Hiệu lực đến"],
            ["88101", "Phường Một", "phường", "881", "30/06/2025"],  # renamed, given an end
            ["88104", "Xã Bốn", "xã", "881", ""],  # new
            ["88102", tree["88102"].name, "xã", "881", ""],  # unchanged
        ],
    )
    with translation.override("en"):
        report = preview(path, "units")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert [as_text(change) for change in report.changes] == [
        f"2 ~ 88101 | Tên đơn vị: {tree['88101'].name} → Phường Một; Hiệu lực đến:  → 30/06/2025",
        "3 + 88104 | Tên đơn vị: Xã Bốn; Loại đơn vị: Commune; Mã đơn vị cấp trên: 881",
    ]
    assert not Unit.objects.filter(code="88104").exists()


def test_procedures_fields_offerings_and_targets(tree, tmp_path):
    procedure = Procedure.objects.get(code="1.001193")
    Offering.objects.create(unit=tree["88101"], procedure=procedure, service_level=ServiceLevel.PARTIAL)
    Target.objects.create(unit=tree["881"], year=2024, kpi="online_rate", target=Decimal("25.00"))
    with translation.override("en"):
        procedures = preview(
            write_xlsx(
                tmp_path / "tthc.xlsx",
                [["Mã TTHC", "Tên TTHC", "Cấp thực hiện"], ["1.001193", procedure.name, "huyện"]],
            ),
            "procedures",
        )
        fields = preview(
            write_xlsx(tmp_path / "linhvuc.xlsx", [["Mã lĩnh vực", "Tên lĩnh vực"], ["G09.HT", "Hộ tịch (cấp xã)"]]),
            "fields",
        )
        offerings = preview(
            write_xlsx(
                tmp_path / "mucdo.xlsx",
                [
                    ["Mã đơn vị", "Mã TTHC", "Mức độ", "Áp dụng từ"],
                    ["88101", "1.001193", "Toàn trình", ""],
                    ["88102", "1.001193", "Một phần", "01/02/2024"],
                ],
            ),
            "offerings",
        )
        targets = preview(
            write_xlsx(
                tmp_path / "chitieu.xlsx",
                [["Mã đơn vị", "Năm", "Chỉ số", "Chỉ tiêu (%)"], ["881", 2024, "online_rate", "30,5%"]],
            ),
            "targets",
        )
    assert [as_text(c) for c in procedures.changes] == ["2 ~ 1.001193 | Cấp thực hiện: Commune level → District level"]
    assert [as_text(c) for c in fields.changes] == ["2 ~ G09.HT | Tên lĩnh vực: Hộ tịch → Hộ tịch (cấp xã)"]
    assert [as_text(c) for c in offerings.changes] == [
        "2 ~ 88101 · 1.001193 | Mức độ: Partly online → Full process online",
        "3 + 88102 · 1.001193 · from 01/02/2024 | Mức độ: Partly online",
    ]
    assert [as_text(c) for c in targets.changes] == ["2 ~ 881 · 2024 · Online filing rate | Chỉ tiêu (%): 25 → 30.5"]
    assert Offering.objects.get(unit=tree["88101"]).service_level == ServiceLevel.PARTIAL


def test_the_first_n_rows_and_how_many_more(tree, tmp_path):
    rows = [FILINGS_HEADER] + [
        [unit, procedure, "07/2024", 1, 1]
        for unit in ("88101", "88102", "88103")
        for procedure in ("1.001193", "1.000894")
    ]
    report = preview(write_xlsx(tmp_path / "f.xlsx", rows), "filings", limit=4)
    assert report.created == 6
    assert [change.row for change in report.changes] == [2, 3, 4, 5]
    assert report.more_changes == 2


def test_nothing_to_change_lists_nothing(tree, tmp_path):
    stored_filing(tree, "88101", "1.001193", received_online=1, received_direct=1)
    path = write_xlsx(tmp_path / "f.xlsx", [FILINGS_HEADER, ["88101", "1.001193", "07/2024", 1, 1]])
    report = preview(path, "filings")
    assert report.unchanged == 1 and report.changes == []


def test_only_previews_that_ask_list_changes(tree, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [FILINGS_HEADER, ["88101", "1.001193", "07/2024", 1, 1]])
    assert run_import("filings", path, dry_run=True).changes is None  # import_data --dry-run
    assert run_import("filings", path, preview_changes=200).changes is None  # a real import
    assert MonthlyFiling.objects.count() == 1


def test_the_import_page_shows_the_changes(client, tree, tmp_path):
    stored_filing(tree, "88101", "1.001193", received_online=12, received_direct=3)
    path = write_xlsx(
        tmp_path / "thang7.xlsx",
        [FILINGS_HEADER, ["88101", "1.001193", "07/2024", 15, 3], ["88102", "1.001193", "07/2024", 2, 0]],
    )
    client.force_login(UserFactory(username="admin", role="admin"))
    with open(path, "rb") as handle:
        response = client.post(reverse("imports:page"), {"kind": "filings", "file": handle})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="import-changes"' in html
    changes = html.split('id="import-changes"', 1)[1].split("</table>", 1)[0]
    assert "88101 · 1.001193 · 07/2024" in changes and "88102 · 1.001193 · 07/2024" in changes
    assert (
        'Tiếp nhận trực tuyến: <span class="import-change__old">12</span> → '
        '<span class="import-change__new">15</span>' in changes
    )
    assert 'id="import-changes-more"' not in html
    # The kind by its label, the hash shortened with the full value in its title.
    record = ImportRecord.objects.get()
    assert f"· {kind_label('filings')} ·" in html
    assert f'title="SHA-256 {record.sha256}"' in html and f"SHA-256 {record.sha256[:12]}…<" in html
    assert f"SHA-256 {record.sha256}<" not in html and "· filings ·" not in html


def test_the_import_page_says_how_many_more(client, tree, tmp_path, monkeypatch):
    monkeypatch.setattr("imports.staging.PREVIEW_CHANGES", 2)
    rows = [FILINGS_HEADER] + [[unit, "1.001193", "07/2024", 1, 1] for unit in ("88101", "88102", "88103")]
    client.force_login(UserFactory(username="admin", role="admin"))
    with open(write_xlsx(tmp_path / "f.xlsx", rows), "rb") as handle:
        html = client.post(reverse("imports:page"), {"kind": "filings", "file": handle}).content.decode()
    assert html.count('class="import-change import-change--created"') == 2
    assert "(2 dòng đầu trong tổng số 3)</caption>" in html  # msgid "the first %(shown)s of %(total)s"
    assert html.split('id="import-changes-more">', 1)[1].startswith("… và 1 dòng khác sẽ thay đổi.")


def test_dates_are_written_day_first(tree, tmp_path):
    path = write_xlsx(
        tmp_path / "donvi.xlsx",
        [
            ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Hiệu lực từ"],
            ["88109", "Xã Chín", "xã", datetime.date(2025, 7, 1)],
        ],
    )
    report = preview(path, "units")
    assert ("Hiệu lực từ", "", "01/07/2025") in report.changes[0].values
    assert report.changes[0].values[1][2] == str(UnitKind.COMMUNE.label)
