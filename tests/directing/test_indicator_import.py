"""The import of periodic indicator values (`indicator_values`): a good file with the Vietnamese headers,
periods of each periodicity and numbers written the Vietnamese way; bad rows named by row and column
(an unknown indicator or unit, a period of another periodicity, a missing denominator, a value more than
its denominator), nothing written; the command and the preview of changes."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import override

from directing.models import IndicatorValue
from directing.services.indicators import indicator_save, indicator_values_upsert
from imports.runner import run_import
from tests.imports.conftest import run_cli, summary
from tests.imports.files import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = "Mã chỉ tiêu,Mã đơn vị,Kỳ,Giá trị,Mẫu số,Ghi chú\n"


@pytest.fixture
def indicators(city):
    return {
        "mail": indicator_save(
            code="official_mail", name="Thư", measure="tài khoản", periodicity="year", denominator="được cấp"
        ),
        "lines": indicator_save(code="broadband", name="Băng rộng", measure="thuê bao", periodicity="year"),
        "kiosks": indicator_save(code="kiosks", name="Ki-ốt", measure="ki-ốt", periodicity="month"),
        "posts": indicator_save(code="posts", name="Bài viết", measure="bài", periodicity="quarter"),
    }


def write_csv(tmp_path, text, name="chi_tieu.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file(city, indicators, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER + "official_mail,T,2019,701,907,Thư công vụ\n"
        "BROADBAND,T,năm 2019,50.200,,\n"
        "kiosks,A,07/2019,3,,\n"
        "kiosks,A,2019-08,4,,\n"
        'posts,A,2019-Q3,"12,5",,\n',
    )
    report = run_import("indicator_values", path, record=False)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    mail = IndicatorValue.objects.get(indicator=indicators["mail"])
    assert (mail.unit, mail.period_start, mail.value, mail.denominator, mail.note) == (
        city["T"],
        datetime.date(2019, 1, 1),
        701,
        907,
        "Thư công vụ",
    )
    assert IndicatorValue.objects.get(indicator=indicators["lines"]).value == 50_200
    assert IndicatorValue.objects.get(indicator=indicators["posts"]).value == Decimal("12.5")
    assert sorted(
        IndicatorValue.objects.filter(indicator=indicators["kiosks"]).values_list("period_start", flat=True)
    ) == [
        datetime.date(2019, 7, 1),
        datetime.date(2019, 8, 1),
    ]
    again = run_import("indicator_values", path, record=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_an_xlsx_with_number_and_date_cells(city, indicators, tmp_path):
    path = tmp_path / "chi_tieu.xlsx"
    write_xlsx(
        path,
        [
            ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị", "Mẫu số"],
            ["official_mail", "T", 2019, 701, 907],
            ["kiosks", "A", datetime.datetime(2019, 7, 1), 3.0, None],
        ],
    )
    report = run_import("indicator_values", path, record=False)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 2


def test_bad_rows_are_named_by_row_and_column(city, indicators, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER + "official_mail,T,2019,701,907,\n"  # row 2: fine
        "mail_accounts,T,2019,1,2,\n"  # row 3: unknown indicator
        "broadband,T,2019-Q3,5,,\n"  # row 4: a quarter for a yearly indicator
        "kiosks,A,2019,5,,\n"  # row 5: a year for a monthly indicator
        "broadband,ZZ,2019,5,,\n"  # row 6: unknown unit
        "broadband,T,2019,nhiều,,\n"  # row 7: not a number
        "official_mail,T,2019,700,907,\n",  # row 8: the same indicator, unit and period as row 2
    )
    with override("en"):
        report = run_import("indicator_values", path, record=False)
    errors = [str(e) for e in report.errors]
    assert not report.ok and report.created == 0
    assert errors == [
        "row 3, column Mã chỉ tiêu: unknown indicator 'mail_accounts'",
        "row 4, column Kỳ: 2019-Q3 is not a year (write 2019)",
        "row 5, column Kỳ: 2019 is not a month (write 07/2019 or 2019-07)",
        "row 6, column Mã đơn vị: unknown unit code 'ZZ'",
        "row 7, column Giá trị: 'nhiều' is not a number",
        "row 8, column Kỳ: duplicate of row 2 (same indicator, unit and period)",
    ], errors
    assert not IndicatorValue.objects.exists()


def test_the_services_refusals_are_named_by_row_and_column(city, indicators, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER + "broadband,T,2019,50200,,\n"  # row 2: fine
        "official_mail,T,2019,701,,\n"  # row 3: no denominator
        "official_mail,A,2019,950,907,\n"  # row 4: more than the denominator
        "broadband,A,2019,5,10,\n"  # row 5: a denominator the indicator has not
        "kiosks,B,07/2019,5,,\n"  # row 6: B ended on 30/06/2019
        "broadband,A,2030,5,,\n"  # row 7: in the future
        'broadband,X,2019,"1,234",,\n',  # row 8: fine
    )
    with override("en"):
        report = run_import("indicator_values", path, record=False)
    errors = [str(e) for e in report.errors]
    assert not report.ok and report.created == 0
    assert errors == [
        "row 3, column Mẫu số: a denominator is required (được cấp)",
        "row 4, column Giá trị: 950 is more than the denominator 907",
        "row 5, column Mẫu số: broadband has no denominator",
        "row 6, column Mã đơn vị: B ended on 30/06/2019, before 01/07/2019",
        "row 7, column Kỳ: the period starting on 01/01/2030 is in the future",
    ], errors
    assert not IndicatorValue.objects.exists()


def test_a_missing_column_is_named(city, indicators, tmp_path):
    path = write_csv(tmp_path, "Mã chỉ tiêu,Mã đơn vị,Giá trị\nbroadband,T,5\n")
    with override("en"):
        report = run_import("indicator_values", path, record=False)
    assert [str(e) for e in report.errors] == ["row 1, column Kỳ: required column is missing (header “Kỳ” or “period”)"]


def test_the_command(city, indicators, tmp_path):
    path = write_csv(tmp_path, "indicator,unit_code,period,value,denominator\nofficial_mail,T,2019,701,907\n")
    status, out, _err = run_cli("indicator_values", path, "--dry-run")
    assert status == 0 and "created 1" in summary(out)
    assert not IndicatorValue.objects.exists()
    status, out, _err = run_cli("indicator_values", path)
    assert status == 0 and "created 1" in summary(out)
    assert IndicatorValue.objects.get().value == 701


def test_the_preview_lists_the_changes(city, indicators, tmp_path):
    indicator_values_upsert(
        [
            {
                "indicator_id": indicators["mail"].pk,
                "unit_id": city["T"].pk,
                "period_start": datetime.date(2019, 1, 1),
                "value": Decimal(650),
                "denominator": Decimal(907),
                "note": "",
            }
        ]
    )
    path = write_csv(tmp_path, HEADER + "official_mail,T,2019,701,907,\nbroadband,T,2019,50200,,\n")
    with override("vi"):
        report = run_import("indicator_values", path, dry_run=True, preview_changes=10, record=False)
    assert report.ok, [str(e) for e in report.errors]
    changes = {change.key: change for change in report.changes}
    assert set(changes) == {"official_mail · T · năm 2019", "broadband · T · năm 2019"}
    assert changes["official_mail · T · năm 2019"].values == (("Giá trị", "650", "701"),)
    assert changes["broadband · T · năm 2019"].values == (("Giá trị", "", "50.200"),)
    assert IndicatorValue.objects.get().value == 650  # a preview writes nothing
