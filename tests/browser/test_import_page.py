"""The import page in Chromium: an admin uploads report form 06, sees the preview (counts and the rows that
would change), confirms, and the figures are there; a file with a bad cell shows the row and column and
offers no confirm; the preview's Cancel button can be seen."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from filings.models import MonthlyFiling
from procedures.models import AuthorityLevel
from tests.factories import ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Secret-123"
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "sample_filings_report.xlsx"


@pytest.fixture
def tree(transactional_db, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = str(tmp_path / "staging")
    province = UnitFactory(code="88", name="Tỉnh Mẫu", kind=UnitKind.PROVINCE)
    town = UnitFactory(code="881", name="Thị xã Mẫu", kind=UnitKind.DISTRICT, parent=province)
    UnitFactory(code="881.TTHCC", name="Trung tâm HCC thị xã Mẫu", kind=UnitKind.CENTER, parent=town)
    for code in ("88101", "88102", "88103"):
        UnitFactory(code=code, parent=town)
    for code in ("1.001193", "1.000894", "2.000815", "1.009994", "2.000720"):
        ProcedureFactory(code=code, level=AuthorityLevel.COMMUNE)
    UserFactory(username="quantri", first_name="Lê Văn Quản", role=Role.ADMIN)
    return town


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_upload_preview_confirm_and_see_the_data(page, live_server, tree, tmp_path, screenshot):
    log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "filings")
    page.set_input_files("#id_file", str(shutil.copy(SAMPLE, tmp_path / "bao_cao_thang_7.xlsx")))
    page.click("#preview-import")

    expect(page.locator("#import-preview")).to_be_visible()
    expect(page.locator("#count-created")).to_have_text("6")
    expect(page.locator("#count-errors")).to_have_text("0")
    assert MonthlyFiling.objects.count() == 0
    screenshot(page, "import_preview")

    page.click("#confirm-import")
    expect(page.locator("#import-result")).to_be_visible()
    expect(page.locator("#import-result #count-created")).to_have_text("6")
    expect(page.locator("#import-history")).to_contain_text("bao_cao_thang_7.xlsx")
    screenshot(page, "import_result")
    assert MonthlyFiling.objects.count() == 6
    assert MonthlyFiling.objects.get(unit__code="881.TTHCC", procedure__code="2.000720").received_direct == 1204

    # The data is there for everyone who reads it: the export of the town's figures holds the rows.
    with page.expect_download() as download:
        page.evaluate(f"window.location = '{live_server.url}/filings/export.xlsx?unit=881&period=2024-07'")
    path = download.value.path()
    import openpyxl

    with open(path, "rb") as handle:
        sheet = openpyxl.load_workbook(handle).active
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]]
    assert len(rows) == 6


def test_bad_cell_is_named_and_nothing_can_be_confirmed(page, live_server, tree, tmp_path, screenshot):
    import openpyxl

    workbook = openpyxl.load_workbook(SAMPLE)
    workbook.active["E8"] = "mười"
    workbook.active["A9"] = "99999"
    path = tmp_path / "sai.xlsx"
    workbook.save(path)
    log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "filings")
    page.set_input_files("#id_file", str(path))
    page.click("#preview-import")
    expect(page.locator("#count-errors")).to_have_text("2")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("8")
    expect(errors.nth(0)).to_contain_text("Tiếp nhận trực tuyến")
    expect(errors.nth(1)).to_contain_text("Mã đơn vị")
    expect(page.locator("#confirm-import")).to_have_count(0)
    screenshot(page, "import_errors")
    assert MonthlyFiling.objects.count() == 0


def test_admin_import_previews_and_confirms(page, live_server, tree, tmp_path, screenshot):
    UserFactory(username="sieuquantri", role=Role.ADMIN, is_staff=True, is_superuser=True)
    log_in(page, live_server, "sieuquantri")
    page.goto(f"{live_server.url}/admin/filings/monthlyfiling/import/")
    page.set_input_files("#id_file", str(SAMPLE))
    page.click("input[type=submit]")
    expect(page.locator("#count-created")).to_have_text("6")
    screenshot(page, "admin_import_preview")
    page.click("input[name=confirm]")
    expect(page.locator(".messagelist")).to_contain_text("created 6")
    assert MonthlyFiling.objects.count() == 6


def relative_luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The button's text colour, and the first opaque background behind it (its own or an ancestor's).
COLOURS_JS = """
(el) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const text = rgb(getComputedStyle(el).color);
  let node = el, background = null;
  while (node && !background) {
    const value = rgb(getComputedStyle(node).backgroundColor);
    if (value.length < 4 || value[3] > 0) background = value.slice(0, 3);
    node = node.parentElement;
  }
  return {text: text.slice(0, 3), background: background || [255, 255, 255],
          border: getComputedStyle(el).borderTopColor};
}
"""


def test_the_preview_cancel_button_can_be_seen(page, live_server, tree, tmp_path):
    log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "filings")
    page.set_input_files("#id_file", str(shutil.copy(SAMPLE, tmp_path / "bao_cao_thang_7.xlsx")))
    page.click("#preview-import")
    cancel = page.locator("#cancel-import")
    expect(cancel).to_be_visible()
    colours = cancel.evaluate(COLOURS_JS)
    # WCAG AA for text: 4.5:1 against what is behind it.
    assert contrast(colours["text"], colours["background"]) >= 4.5, colours
    assert colours["border"] not in ("rgba(0, 0, 0, 0)", "transparent"), colours
    # The rows that would change are listed, each new row with its values.
    expect(page.locator("#import-changes .import-change--created")).to_have_count(6)
    cancel.click()
    expect(page).to_have_url(re.compile(r"/imports/$"))
    expect(page.locator("#import-preview")).to_have_count(0)
