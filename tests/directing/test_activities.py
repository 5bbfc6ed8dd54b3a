"""Outreach activities: the write service's rules, the totals over a subtree, the import (bad rows named
by row and column) and `manage.py activities` (CONTRACT.md, "activities --json")."""

import datetime
import json

import pytest
from django.utils.translation import override

from core.errors import RowsRefused
from core.periods import Period
from directing.models import Activity
from directing.selectors.activities import activity_totals
from directing.services.activities import activities_upsert
from imports.runner import run_import
from tests.commands import run_command

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 1, 15)


def row(unit, day, kind="conference", participants=None, note=""):
    return {"unit_id": unit.pk, "date": day, "kind": kind, "participants": participants, "note": note}


@pytest.fixture
def activities(city):
    a, b, t, x = city["A"], city["B"], city["T"], city["X"]
    activities_upsert(
        [
            row(a, datetime.date(2019, 3, 1), participants=50),
            row(a, datetime.date(2019, 9, 1), participants=70),
            row(b, datetime.date(2019, 4, 2), participants=30),
            row(b, datetime.date(2019, 4, 2), "training", 12),
            row(t, datetime.date(2019, 5, 5), "broadcast"),
            row(a, datetime.date(2018, 12, 31), participants=1000),  # another year
            row(x, datetime.date(2019, 3, 1), participants=999),  # another city
        ],
        today=TODAY,
    )
    return city


def test_totals_over_the_subtree(activities):
    totals = activity_totals(activities["T"], Period.parse("2019"))
    assert totals == {"conference": (3, 150), "training": (1, 12), "broadcast": (1, 0)}
    assert list(totals) == ["conference", "training", "broadcast"]  # ActivityKind's order


def test_scope_and_period(activities, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert activity_totals(activities["A"], Period.parse("2019-Q1")) == {"conference": (1, 50)}
    assert activity_totals(activities["X"], Period.parse("2019")) == {"conference": (1, 999)}
    assert activity_totals(activities["T"], Period.parse("2018-12")) == {"conference": (1, 1000)}
    assert activity_totals(activities["T"], Period.parse("2017")) == {}


def test_upsert_is_keyed_by_unit_day_and_kind(city):
    day = datetime.date(2019, 3, 1)
    first = activities_upsert([row(city["A"], day, participants=10)], today=TODAY)
    again = activities_upsert([row(city["A"], day, participants=10)], today=TODAY)
    changed = activities_upsert([row(city["A"], day, participants=12, note="x")], today=TODAY)
    assert (first.created, again.unchanged, changed.updated) == (1, 1, 1)
    assert Activity.objects.get().participants == 12


def test_refusals_write_nothing(city):
    rows = [
        row(city["A"], datetime.date(2020, 1, 16)),  # after today
        row(city["A"], datetime.date(2019, 3, 1), "party"),
        row(city["B"], datetime.date(2019, 7, 1)),  # B ended on 30/06/2019
        row(city["A"], datetime.date(2019, 3, 2), participants=-1),
        row(city["A"], datetime.date(2019, 3, 3)),  # fine, but the others are refused
    ]
    with pytest.raises(RowsRefused) as refused:
        activities_upsert(rows, today=TODAY)
    problems = refused.value.problems
    assert sorted(problems) == [0, 1, 2, 3]
    assert problems[0][0][0] == "date"
    assert problems[1][0][0] == "kind"
    assert [field for field, _reason in problems[2]] == ["unit"]
    assert problems[3][0][0] == "participants"
    assert not Activity.objects.exists()


def write_csv(tmp_path, text):
    path = tmp_path / "activities.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reads_vietnamese_headers_and_words(city, tmp_path):
    path = write_csv(
        tmp_path,
        "Mã đơn vị,Ngày,Hình thức,Số người tham dự,Ghi chú\n"
        "A,01/03/2019,Hội nghị,1.200,Hội nghị tuyên truyền\n"
        "A,02/03/2019,tập huấn,40,\n"
        "T,03/03/2019,Pano/khẩu hiệu,,\n"
        "T,04/03/2019,phát thanh,,\n"
        "B,05/03/2019,Tổ hướng dẫn,3,\n"
        "B,06/03/2019,khác,,\n",
    )
    report = run_import("activities", path, record=False)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 6
    totals = activity_totals(city["T"], Period.parse("2019-03"))
    assert totals == {
        "conference": (1, 1200),
        "training": (1, 40),
        "broadcast": (1, 0),
        "panel": (1, 0),
        "guide_team": (1, 3),
        "other": (1, 0),
    }


def test_import_names_bad_rows_by_row_and_column(city, tmp_path):
    path = write_csv(
        tmp_path,
        "Mã đơn vị,Ngày,Hình thức,Số người tham dự\n"
        "A,01/03/2019,hội nghị,10\n"
        "A,32/03/2019,hội nghị,10\n"
        "A,02/03/2019,liên hoan,10\n"
        "ZZ,02/03/2019,hội nghị,10\n"
        "A,03/03/2019,hội nghị,mười\n"
        "B,01/08/2019,hội nghị,10\n"
        "A,01/03/2019,hội nghị,10\n",
    )
    report = run_import("activities", path, record=False)
    errors = [str(e) for e in report.errors]
    assert not report.ok and report.created == 0
    assert any(e.startswith("row 3, column Ngày:") for e in errors), errors
    assert any(e.startswith("row 4, column Hình thức:") for e in errors), errors
    assert any(e.startswith("row 5, column Mã đơn vị:") for e in errors), errors
    assert any(e.startswith("row 6, column Số người tham dự:") for e in errors), errors
    assert any(e.startswith("row 8, column Mã đơn vị:") and " 2 " in e for e in errors), errors
    assert not Activity.objects.exists()


def test_import_names_the_services_refusals(city, tmp_path):
    path = write_csv(tmp_path, "unit_code,date,kind\nA,01/03/2019,conference\nB,01/08/2019,conference\n")
    with override("en"):
        report = run_import("activities", path, record=False)
    assert [str(e) for e in report.errors] == ["row 3, column unit_code: B ended on 30/06/2019, before 01/08/2019"]
    assert not Activity.objects.exists()


def run(*argv):
    return run_command("directing", "activities", *argv)


def test_cli_json(activities):
    status, out, _err = run("--unit", "T", "--period", "2019", "--json")
    assert status == 0
    assert json.loads(out) == {
        "unit": "T",
        "period": {"from": "2019-01", "to": "2019-12"},
        "totals": {
            "conference": {"count": 3, "participants": 150},
            "training": {"count": 1, "participants": 12},
            "broadcast": {"count": 1, "participants": 0},
        },
    }


def test_cli_text_in_vietnamese_number_formats(city):
    activities_upsert([row(city["A"], datetime.date(2019, 3, 1), participants=3400)], today=TODAY)
    status, out, _err = run("--unit", "T", "--period", "2019")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "T – Thành phố T, 2019 (with the units below it)"
    assert lines[1].split() == ["kind", "activities", "participants"]
    assert lines[3].split() == ["conference", "1", "3.400"]
    assert lines[4].split() == ["total", "1", "3.400"]


def test_cli_bad_input_names_the_parameter(city):
    status, out, err = run("--unit", "NOPE", "--period", "2019")
    assert (status, out) == (2, "")
    assert err.strip().splitlines()[-1].startswith("CommandError: --unit:") or "--unit" in err
    assert len(err.strip().splitlines()) == 1
    status, _out, err = run("--unit", "T", "--period", "2019-13")
    assert status == 2 and "--period" in err and len(err.strip().splitlines()) == 1


def test_the_unit_page_shows_the_activities_of_its_subtree_by_kind(client, activities, city):
    from django.urls import reverse

    from tests.factories import UserFactory

    def panel(user, code):
        client.force_login(user)
        html = client.get(reverse("reports:unit", args=[code]), {"period": "2019"}, HTTP_ACCEPT_LANGUAGE="en")
        html = html.content.decode()
        start = html.find('id="activities-panel"')
        return html[start : html.find("</section>", start)] if start >= 0 else ""

    leader = UserFactory(username="leader_t", role="leader", units=[city["T"]])
    html = panel(leader, "T")
    # 3 conferences of A and B (150 participants), 1 training (12), 1 broadcast: 5 activities, 162 people.
    assert '<td class="num">3</td><td class="num">150</td>' in html
    assert '<td class="num">5</td><td class="num">162</td>' in html
    assert "activities.xlsx?unit=T&amp;period=2019" in html
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    html = panel(clerk, "A")
    assert '<td class="num">2</td><td class="num">120</td>' in html and "162" not in html
    assert panel(leader, "T").count("999") == 0
    client.force_login(clerk)
    assert client.get(reverse("reports:unit", args=["X"]), {"period": "2019"}).status_code == 404
