"""The first pages: login and logout, the home page of KPIs, error pages, health check."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from filings.workflow import unit_month_approve, unit_month_submit
from procedures.models import ServiceLevel
from tests.factories import (
    FilingFactory,
    OfferingFactory,
    ProcedureFactory,
    TargetFactory,
    UnitFactory,
    UserFactory,
)
from units.models import Unit, UnitKind

PASSWORD = "pw-Secret-123"


def text_of(response):
    """The page's visible text with runs of white space folded, so assertions read like the page."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def cam_pha(db):
    """A district with its administration centre, whose 2019 figures give 929 / 3553 = 26,15%."""
    district = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT)
    centre = UnitFactory(
        code="195.TTHCC", name="Trung tâm Hành chính công Cẩm Phả", kind=UnitKind.CENTER, parent=district
    )
    procedure = ProcedureFactory(code="1.004227")
    OfferingFactory(unit=centre, procedure=procedure, service_level=ServiceLevel.FULL)
    FilingFactory(
        unit=centre,
        procedure=procedure,
        year=2019,
        month=3,
        received_online=929,
        received_direct=2624,
        returned_postal=1848,
    )
    TargetFactory(unit=district, year=2019, kpi="online_rate", target=30)
    return district


@pytest.fixture
def leader(cam_pha):
    return UserFactory(username="lanhdao", role=Role.LEADER, units=[cam_pha])


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


class TestLogin:
    def test_anonymous_user_is_sent_to_the_login_page(self, client, db):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next=/"

    def test_login_page_is_in_vietnamese(self, client, db):
        page = text_of(client.get(reverse("login")))
        assert "Đăng nhập" in page
        assert "Tên đăng nhập" in page
        assert "Mật khẩu" in page
        assert "Cổng theo dõi DVC trực tuyến" in page

    def test_good_password_logs_in_and_opens_the_home_page(self, client, leader):
        response = client.post(reverse("login"), {"username": "lanhdao", "password": PASSWORD}, follow=True)
        assert response.redirect_chain == [("/", 302)]
        assert response.wsgi_request.user == leader
        assert "Thành phố Cẩm Phả" in text_of(response)

    def test_bad_password_shows_the_error_in_vietnamese(self, client, leader):
        response = client.post(reverse("login"), {"username": "lanhdao", "password": "wrong"})
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
        page = text_of(response)
        assert "mật khẩu chính xác" in page
        assert 'role="alert"' in response.content.decode()

    def test_logout_is_a_post_and_returns_to_login(self, leader_client):
        response = leader_client.post(reverse("logout"))
        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert leader_client.get("/").status_code == 302


class TestLayout:
    def test_header_shows_user_role_language_switch_and_logout(self, leader_client, leader):
        html = leader_client.get("/").content.decode()
        page = text_of(leader_client.get("/"))
        assert "lanhdao" in page
        assert "Lãnh đạo" in page
        assert f'action="{reverse("logout")}" method="post"' in html
        assert f'action="{reverse("set_language")}"' in html
        assert 'href="/admin/"' not in html

    def test_admin_sees_the_link_to_administration(self, client, cam_pha):
        client.force_login(UserFactory(username="quantri", role=Role.ADMIN))
        html = client.get("/").content.decode()
        assert 'href="/admin/"' in html
        assert "Quản trị" in text_of(client.get("/"))

    def test_stylesheet_is_served_locally(self, leader_client):
        html = leader_client.get("/").content.decode()
        assert "/static/css/portal.css" in html
        assert "http://" not in html and "https://" not in html


class TestHome:
    def test_figures_are_formatted_the_vietnamese_way(self, leader_client):
        page = text_of(leader_client.get("/", {"period": "2019"}))
        assert "Thành phố Cẩm Phả" in page and "195" in page
        assert "26,15%" in page
        assert "929 / 3.553" in page
        assert "1.848" in page  # results returned by post, a count

    def test_kpi_labels_are_the_official_vietnamese_terms(self, leader_client):
        page = text_of(leader_client.get("/", {"period": "2019"}))
        for label in [
            "Tỷ lệ hồ sơ trực tuyến",
            "Tỷ lệ hồ sơ trực tuyến trên số hồ sơ của TTHC có DVC trực tuyến",
            "Tỷ lệ TTHC cung cấp DVC trực tuyến",
            "Tỷ lệ TTHC cung cấp DVC toàn trình",
            "Tỷ lệ giải quyết đúng hạn",
            "Số hồ sơ trả kết quả qua BCCI",
            "Số hồ sơ tiếp nhận qua BCCI",
            "Kỳ báo cáo",
            "Đơn vị",
        ]:
            assert label in page

    def test_target_badge_and_gap(self, leader_client):
        page = text_of(leader_client.get("/", {"period": "2019"}))
        assert "Chỉ tiêu 30,00%" in page
        assert "Chưa đạt \u22123,85 điểm %" in page

    def test_a_met_target(self, leader_client, cam_pha):
        TargetFactory(unit=cam_pha, year=2019, kpi="online_rate_eligible", target=20)
        page = text_of(leader_client.get("/", {"period": "2019"}))
        assert "Đạt +6,15 điểm %" in page

    def test_children_are_listed_under_their_unit(self, leader_client):
        response = leader_client.get("/", {"period": "2019"})
        [row] = response.context["rows"]
        assert row.unit.code == "195"
        assert [child.unit.code for child in row.children] == ["195.TTHCC"]
        assert "Trung tâm Hành chính công Cẩm Phả" in text_of(response)

    def test_the_bar_width_comes_from_the_view(self, leader_client):
        response = leader_client.get("/", {"period": "2019"})
        [row] = response.context["rows"]
        assert str(row.bar) == "26.15"
        assert str(row.target_mark) == "30.00"
        html = response.content.decode()
        # Whole percent, as classes of static/css/widths.css (no inline style under the CSP).
        assert 'class="bar__fill w-26"' in html
        assert 'class="bar__target l-30"' in html

    def test_no_value_is_a_dash(self, leader_client):
        page = text_of(leader_client.get("/", {"period": "2019"}))
        # Nothing was resolved, so the on-time rate has nothing to divide by.
        assert "—" in page

    def test_default_period_is_the_current_year(self, leader_client, cam_pha):
        year = timezone.localdate().year
        procedure = ProcedureFactory(code="2.000908")
        FilingFactory(unit=cam_pha, procedure=procedure, year=year, month=1, received_online=1, received_direct=3)
        response = leader_client.get("/")
        page = text_of(response)
        assert f"Kỳ báo cáo: năm {year}" in page
        assert "25,00%" in page
        assert "26,15%" not in page

    def test_period_selector_accepts_the_contract_syntax(self, leader_client):
        for period, label in [
            ("2019-03", "tháng 03/2019"),
            ("2019-Q1", "quý 1/2019"),
            ("2019-H1", "6 tháng đầu năm 2019"),
            ("2019-01..2019-07", "từ tháng 01/2019 đến tháng 07/2019"),
        ]:
            page = text_of(leader_client.get("/", {"period": period}))
            assert f"Kỳ báo cáo: {label}" in page
            assert "26,15%" in page
        assert "26,15%" not in text_of(leader_client.get("/", {"period": "2019-Q2"}))

    def test_the_page_links_its_excel_exports_for_the_period_shown(self, leader_client):
        html = leader_client.get("/", {"period": "2019-01..2019-07"}).content.decode()
        links = dict(re.findall(r'<a class="exports__link" href="([^"]+)"(?: download)?>([^<]+)<', html))
        assert len(links) == 3
        workbooks = {}
        for url in links:
            response = leader_client.get(url.replace("&amp;", "&"))
            assert response.status_code == 200, url
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            workbooks[url.split("?")[0]] = list(sheet.iter_rows(values_only=True))
        kpis = workbooks[reverse("reports:export_kpis")]
        assert any(row[:2] == ("195", "Thành phố Cẩm Phả") for row in kpis)
        ranking = workbooks[reverse("reports:export_ranking")]
        centre = next(row for row in ranking if row[1] == "195.TTHCC")
        assert (centre[0], centre[3], centre[4]) == (1, 929, 3553)
        filings = workbooks[reverse("filings:export")]
        assert any("195.TTHCC" in row for row in filings)

    def test_a_bad_period_is_explained_and_the_current_year_shown(self, leader_client):
        response = leader_client.get("/", {"period": "2019-13"})
        assert response.status_code == 200
        page = text_of(response)
        assert "Tham số “period” không hợp lệ: “2019-13”" in page
        assert f"Kỳ báo cáo: năm {timezone.localdate().year}" in page
        assert 'aria-invalid="true"' in response.content.decode()

    def test_english_switch(self, leader_client):
        response = leader_client.post(reverse("set_language"), {"language": "en", "next": "/?period=2019"})
        assert response.status_code == 302
        response = leader_client.get(response["Location"])
        page = text_of(response)
        assert "26.15%" in page
        assert "929 / 3,553" in page
        assert "Online filing rate" in page
        assert "Log out" in page


class TestScope:
    def test_a_commune_clerk_sees_only_their_commune(self, client, db):
        province = UnitFactory(code="22", name="Tỉnh Quảng Ninh", kind=UnitKind.PROVINCE)
        cam_pha = UnitFactory(code="195", name="Thành phố Cẩm Phả", kind=UnitKind.DISTRICT, parent=province)
        uong_bi = UnitFactory(code="196", name="Thành phố Uông Bí", kind=UnitKind.DISTRICT, parent=province)
        commune = UnitFactory(code="06661", name="Phường Cẩm Trung", parent=cam_pha)
        UnitFactory(code="06832", name="Phường Quang Trung", parent=uong_bi)
        clerk = UserFactory(username="canbo", role=Role.CLERK, units=[commune])
        client.force_login(clerk)

        response = client.get("/", {"period": "2019"})
        page = text_of(response)
        assert [row.unit.code for row in response.context["rows"]] == ["06661"]
        assert "Phường Cẩm Trung" in page
        for other in ["Thành phố Uông Bí", "Phường Quang Trung", "Tỉnh Quảng Ninh", "Thành phố Cẩm Phả"]:
            assert other not in page

    def test_a_clerk_of_a_merged_commune_still_sees_it(self, client, db):
        commune = UnitFactory(code="06766", name="Phường Cẩm Sơn", valid_to=datetime.date(2025, 6, 30))
        client.force_login(UserFactory(role=Role.CLERK, units=[commune]))
        response = client.get("/", {"period": "2026"})
        assert [row.unit.code for row in response.context["rows"]] == ["06766"]
        assert "không còn hiệu lực trong kỳ này" in text_of(response)
        response = client.get("/", {"period": "2019"})
        assert response.context["scope_note"] is None

    def test_children_that_ended_before_the_period_are_left_out(self, leader_client, cam_pha):
        merged = datetime.date(2025, 6, 30)
        UnitFactory(code="06661", name="Phường Cẩm Trung", parent=cam_pha, valid_to=merged)
        assert "Phường Cẩm Trung" in text_of(leader_client.get("/", {"period": "2019"}))
        assert "Phường Cẩm Trung" not in text_of(leader_client.get("/", {"period": "2026"}))

    def test_a_user_without_units_sees_an_explanation(self, client, db):
        client.force_login(UserFactory(username="moi", role=Role.CLERK))
        page = text_of(client.get("/"))
        assert "Không có đơn vị nào để hiển thị" in page


class TestQueryCount:
    def _district_with_children(self, code, n):
        district = UnitFactory(code=code, kind=UnitKind.DISTRICT)
        procedure = ProcedureFactory(code=f"P{code}")
        for i in range(n):
            commune = UnitFactory(code=f"{code}-{i:02d}", parent=district)
            OfferingFactory(unit=commune, procedure=procedure, service_level=ServiceLevel.PARTIAL)
            FilingFactory(unit=commune, procedure=procedure, year=2019, month=1, received_online=i, received_direct=5)
            TargetFactory(unit=commune, year=2019, kpi="online_rate", target=40)
        return district

    def _queries_for_home(self, client, districts, **params):
        client.force_login(UserFactory(role=Role.LEADER, units=districts))
        client.get("/", {"period": "2019", **params})  # warm up: session, content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/", {"period": "2019", **params})
        assert response.status_code == 200
        return len(queries)

    def test_home_runs_the_same_queries_for_2_and_20_child_units(self, client, db):
        few = self._queries_for_home(client, [self._district_with_children("A", 2)])
        districts = [self._district_with_children("B", 20), self._district_with_children("C", 20)]
        many = self._queries_for_home(client, districts)
        assert few == many
        # The KPI table, the unapproved count, the alerts (reports.alerts) and the open tasks (reports.panels).
        assert many <= 19

    def test_approved_figures_only_run_the_same_queries(self, client, db):
        district = self._district_with_children("A", 2)
        few = self._queries_for_home(client, [district], status="approved")
        every = self._queries_for_home(client, [district])
        districts = [self._district_with_children("B", 20), self._district_with_children("C", 20)]
        many = self._queries_for_home(client, districts, status="approved")
        assert few == many == every


class TestManyChildren:
    """With more child rows in all than the page shows at once, a unit's children load when it is opened."""

    @pytest.fixture
    def two_provinces(self, db, monkeypatch):
        monkeypatch.setattr("reports.views.CHILD_ROWS_LIMIT", 3)
        for code, name in [("22", "Tỉnh Quảng Ninh"), ("49", "Tỉnh Quảng Nam")]:
            province = UnitFactory(code=code, name=name, kind=UnitKind.PROVINCE)
            for i in range(2):
                UnitFactory(code=f"{code}{i:03d}", name=f"Huyện {code}-{i}", kind=UnitKind.DISTRICT, parent=province)

    def test_children_are_not_loaded_until_opened(self, client, two_provinces):
        client.force_login(UserFactory(role=Role.ADMIN))
        response = client.get("/", {"period": "2019"})
        rows = response.context["rows"]
        summary = [(row.unit.code, row.children_count, row.children) for row in rows]
        assert summary == [("22", 2, []), ("49", 2, [])]
        assert "Huyện 22-0" not in text_of(response)
        assert rows[0].open_url == "?period=2019&open=22#unit-22"
        assert 'href="?period=2019&amp;open=22#unit-22"' in response.content.decode()

        response = client.get("/?period=2019&open=22")
        rows = response.context["rows"]
        assert [child.unit.code for child in rows[0].children] == ["22000", "22001"]
        assert rows[0].expanded and rows[0].open_url is None
        assert rows[1].children == [] and rows[1].open_url == "?period=2019&open=22&open=49#unit-49"
        assert "Huyện 22-0" in text_of(response)

    def test_the_limit_holds_for_a_single_unit_too(self, client, two_provinces, monkeypatch):
        monkeypatch.setattr("reports.views.CHILD_ROWS_LIMIT", 1)
        client.force_login(UserFactory(role=Role.LEADER, units=[Unit.objects.get(code="22")]))
        [row] = client.get("/", {"period": "2019"}).context["rows"]
        assert (row.children, row.children_count, row.open_url) == ([], 2, "?period=2019&open=22#unit-22")
        [row] = client.get("/?period=2019&open=22").context["rows"]
        assert len(row.children) == 2 and row.expanded

    def test_below_the_limit_every_child_is_loaded_and_folded(self, client, two_provinces, monkeypatch):
        monkeypatch.setattr("reports.views.CHILD_ROWS_LIMIT", 4)
        client.force_login(UserFactory(role=Role.ADMIN))
        response = client.get("/", {"period": "2019"})
        rows = response.context["rows"]
        assert [len(row.children) for row in rows] == [2, 2]
        assert not any(row.expanded for row in rows)
        assert "Huyện 49-1" in text_of(response)


def approve(unit, month, year=2019):
    """Submit and approve a unit-month through the workflow, as an administrator would."""
    admin = UserFactory(username="approver", role=Role.ADMIN)
    unit_month_submit(unit=unit, year=year, month=month, user=None, confirm_warnings=True)  # as an import would
    unit_month_approve(unit=unit, year=year, month=month, user=admin)


def exports_of(client, page):
    """{path: (url, rows of the workbook's sheet)} for the Excel links of a page."""
    html = page.content.decode()
    found = {}
    for url in re.findall(r'<a class="exports__link" href="([^"]+)"(?: download)?>', html):
        url = url.replace("&amp;", "&")
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        found[url.split("?")[0]] = (url, list(sheet.iter_rows(values_only=True)))
    return found


class TestApprovedOnly:
    """The switch "Approved figures only" (?status=approved) and the note on figures not yet approved."""

    @pytest.fixture
    def centre(self, cam_pha):
        """March (929 / 3553) and April (71 / 447) of the centre, both drafts: 1000 / 4000 = 25,00% in all."""
        centre = Unit.objects.get(code="195.TTHCC")
        procedure = ProcedureFactory(code="1.004227")
        FilingFactory(unit=centre, procedure=procedure, year=2019, month=4, received_online=71, received_direct=376)
        return centre

    @pytest.fixture
    def english(self, leader_client):
        # The notes' texts are asserted in English, the msgids, whatever the Vietnamese translation says.
        leader_client.post(reverse("set_language"), {"language": "en", "next": "/"})
        return leader_client

    def test_the_page_says_how_many_months_are_not_approved_until_all_are(self, english, centre):
        response = english.get("/", {"period": "2019"})
        assert response.context["unapproved"] == 2
        page = text_of(response)
        assert "These figures include 2 unit-months not yet approved." in page
        assert 'href="?period=2019&amp;status=approved"' in response.content.decode()

        approve(centre, 3)
        page = text_of(english.get("/", {"period": "2019"}))
        assert "These figures include 1 unit-month not yet approved." in page

        approve(centre, 4)
        response = english.get("/", {"period": "2019"})
        assert response.context["unapproved"] == 0
        assert 'id="status-note"' not in response.content.decode()
        assert "not yet approved" not in text_of(response)

    def test_the_note_counts_the_period_shown_only(self, english, centre):
        approve(centre, 3)
        assert "not yet approved" not in text_of(english.get("/", {"period": "2019-03"}))
        assert "1 unit-month not yet approved" in text_of(english.get("/", {"period": "2019-Q2"}))

    def test_approved_only_drops_a_draft_month_and_keeps_an_approved_one(self, leader_client, centre):
        approve(centre, 3)
        every = text_of(leader_client.get("/", {"period": "2019"}))
        assert "25,00%" in every and "1.000 / 4.000" in every

        response = leader_client.get("/", {"period": "2019", "status": "approved"})
        assert response.context["approved_only"] is True
        page = text_of(response)
        assert "26,15%" in page and "929 / 3.553" in page
        assert "25,00%" not in page and "1.000 / 4.000" not in page
        assert re.search(r'name="status" value="approved"\s+checked', response.content.decode())

    def test_approved_only_with_nothing_approved_shows_dashes(self, leader_client, centre):
        response = leader_client.get("/", {"period": "2019", "status": "approved"})
        [row] = response.context["rows"]
        online_rate = row.values[0]
        assert (online_rate.kpi.key, online_rate.denominator, online_rate.value) == ("online_rate", 0, None)
        assert row.bar is None
        assert "26,15%" not in text_of(response)

    def test_approved_only_says_so_and_how_many_months_it_leaves_out(self, english, centre):
        approve(centre, 3)
        response = english.get("/", {"period": "2019", "status": "approved"})
        page = text_of(response)
        assert "Approved figures only: 1 unit-month with figures not yet approved is left out." in page
        assert "These figures include" not in page
        # Its link goes back to every figure.
        assert 'href="?period=2019"' in response.content.decode()
        approve(centre, 4)
        page = text_of(english.get("/", {"period": "2019", "status": "approved"}))
        assert "left out" not in page
        assert "Approved figures only" in page  # the heading still says which figures these are

    def test_the_exports_count_the_same_figures_and_say_so(self, english, centre):
        approve(centre, 3)
        exports = exports_of(english, english.get("/", {"period": "2019", "status": "approved"}))
        kpi_url, kpis = exports[reverse("reports:export_kpis")]
        ranking_url, ranking = exports[reverse("reports:export_ranking")]
        filings_url, _ = exports[reverse("filings:export")]
        assert "status=approved" in kpi_url and "status=approved" in ranking_url
        # The monthly figures are the stored rows (the import's layout): the switch does not filter them.
        assert "status" not in filings_url
        title = "Figures: approved months only (1 unit-month not yet approved is left out)."
        assert (title,) == kpis[2][:1] and (title,) == ranking[2][:1]
        centre_row = next(row for row in ranking if row[1] == "195.TTHCC")
        assert (centre_row[0], centre_row[3], centre_row[4]) == (1, 929, 3553)
        district = next(row for row in kpis if row[0] == "195")
        assert district[2] == pytest.approx(929 / 3553, abs=1e-4)

        exports = exports_of(english, english.get("/", {"period": "2019"}))
        kpi_url, kpis = exports[reverse("reports:export_kpis")]
        ranking_url, ranking = exports[reverse("reports:export_ranking")]
        assert "status" not in kpi_url and "status" not in ranking_url
        title = "Figures: every stored month, including 1 unit-month not yet approved."
        assert kpis[2][0] == title and ranking[2][0] == title
        centre_row = next(row for row in ranking if row[1] == "195.TTHCC")
        assert (centre_row[3], centre_row[4]) == (1000, 4000)

    def test_an_export_of_approved_figures_only_is_named_so(self, leader_client, centre):
        response = leader_client.get(
            reverse("reports:export_kpis"), {"period": "2019", "unit": "195", "status": "approved"}
        )
        assert response["Content-Disposition"] == 'attachment; filename="kpi_195_2019_approved.xlsx"'

    def test_a_bad_status_is_explained_and_every_figure_shown(self, english, centre):
        response = english.get("/", {"period": "2019", "status": "bogus"})
        assert response.status_code == 200
        assert response.context["approved_only"] is False
        page = text_of(response)
        assert "The parameter “status” is not valid: “bogus”" in page
        assert "25.00%" in page
        for name in ("reports:export_kpis", "reports:export_ranking"):
            response = english.get(reverse(name), {"period": "2019", "kpi": "online_rate", "status": "bogus"})
            assert response.status_code == 400
            assert "status: expected approved or all, not 'bogus'" in response.content.decode()

    def test_exports_of_units_outside_the_scope_are_404_with_the_switch_too(self, leader_client, cam_pha):
        UnitFactory(code="196", name="Thành phố Uông Bí", kind=UnitKind.DISTRICT)
        params = {"period": "2019", "kpi": "online_rate", "status": "approved"}
        assert leader_client.get(reverse("reports:export_kpis"), {**params, "unit": "196"}).status_code == 404
        assert leader_client.get(reverse("reports:export_ranking"), {**params, "parent": "196"}).status_code == 404

    def test_the_switch_is_kept_when_a_unit_is_opened(self, client, db, monkeypatch):
        monkeypatch.setattr("reports.views.CHILD_ROWS_LIMIT", 1)
        province = UnitFactory(code="22", kind=UnitKind.PROVINCE)
        for i in range(2):
            UnitFactory(code=f"22{i:03d}", kind=UnitKind.DISTRICT, parent=province)
        client.force_login(UserFactory(role=Role.LEADER, units=[province]))
        [row] = client.get("/", {"period": "2019", "status": "approved"}).context["rows"]
        assert row.open_url == "?period=2019&status=approved&open=22#unit-22"


class TestErrorPages:
    def test_404_is_in_vietnamese(self, leader_client):
        response = leader_client.get("/khong-ton-tai/")
        assert response.status_code == 404
        assert "Không tìm thấy trang" in text_of(response)

    def test_403_is_in_vietnamese_inside_the_portal(self, client, cam_pha):
        client.force_login(UserFactory(username="canbo", role=Role.CLERK, units=[cam_pha]))
        response = client.get(reverse("imports:page"))  # administrators only
        assert response.status_code == 403
        text = text_of(response)
        assert "Không được phép" in text and "Vai trò của bạn không được mở trang này" in text
        html = response.content.decode()
        # The portal around it: the menu with the user's name, a way back.
        assert "canbo" in text and 'href="/"' in html and "Forbidden" not in html

    def test_500_template_renders_without_a_request(self, db):
        from django.template.loader import render_to_string

        page = render_to_string("500.html")
        assert "Lỗi máy chủ" in page


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.headers["Content-Language"] == "en"
