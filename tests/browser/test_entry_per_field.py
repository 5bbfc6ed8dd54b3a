"""Entry per field in Chromium: a commune that reports per field (as report form 06 counts) from this
month on types its month into a grid of fields, finds a field not shown by the search box, and saves;
the month before, still per procedure, shows its procedures."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from core.periods import Month
from filings.models import FieldFiling, Grain, MonthlyFiling
from filings.services import Source, field_filings_upsert, filings_upsert, reporting_mode_set
from procedures.models import ServiceLevel
from tests.browser.test_entry import cell, entry_url, log_in
from tests.factories import FieldFactory, OfferingFactory, ProcedureFactory, UnitFactory, UserFactory
from units.models import UnitKind

pytestmark = [pytest.mark.browser]

# The fields of a commune's one-stop desk, with the procedures it offers in each.
FIELDS = [
    ("G09.HT", "Hộ tịch", ["1.001193", "1.004227", "1.000894"]),
    ("G09.CT", "Chứng thực", ["2.000908", "2.000815"]),
    ("G09.DD", "Đất đai", ["1.004227.DD"]),
    ("G09.BTXH", "Bảo trợ xã hội", ["1.001776"]),
    ("G09.LDTBXH", "Lao động - Thương binh và Xã hội", ["1.010801"]),
]


@pytest.fixture
def commune(transactional_db):
    district = UnitFactory(code="436", name="Thành phố Hà Tĩnh", kind=UnitKind.DISTRICT)
    commune = UnitFactory(code="18073", name="Xã Thạch Hạ", parent=district)
    for code, name, procedures in FIELDS:
        field = FieldFactory(code=code, name=name)
        for number in procedures:
            procedure = ProcedureFactory(code=number, name=f"Thủ tục {number}", field=field)
            OfferingFactory(unit=commune, procedure=procedure, service_level=ServiceLevel.FULL)
    FieldFactory(code="G09.TP", name="Tư pháp")  # in the catalogue, offered by nobody here
    now = Month.of(timezone.localdate())
    before = now.shift(-1)
    filings_upsert(
        [
            {
                "unit_id": commune.pk,
                "procedure_id": ProcedureFactory(code="1.001193").pk,
                "year": before.year,
                "month": before.month,
                "received_online": 12,
                "received_direct": 30,
                "resolved_on_time": 40,
                "pending_on_time": 2,
            }
        ],
        source=Source.IMPORT,
    )
    reporting_mode_set(commune, now.year, now.month, Grain.FIELD)
    UserFactory(username="canbo_xa", first_name="Nguyễn Thị Lan", role=Role.CLERK, units=[commune])
    return commune


def test_a_commune_reporting_per_field_types_its_month_into_a_grid_of_fields(page, live_server, commune, screenshot):
    now = Month.of(timezone.localdate())
    log_in(page, live_server, "canbo_xa")
    page.goto(entry_url(live_server, "18073", now.year, now.month))
    expect(page.locator("#grain")).to_contain_text(re.compile("lĩnh vực|per field", re.I))
    rows = page.locator("tr[data-row]")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("Bảo trợ xã hội")  # by code: G09.BTXH first

    civil = page.locator("tr[data-row]", has_text="Hộ tịch")
    cell(civil, "carried_over").fill("2")
    cell(civil, "received_online").fill("48")
    cell(civil, "received_direct").fill("61")
    cell(civil, "resolved_early").fill("37")
    cell(civil, "resolved_on_time").fill("72")
    cell(civil, "pending_on_time").fill("2")
    expect(civil.locator('[data-total="new"]')).to_have_text("109")
    expect(civil.locator(".balance--ok")).to_be_visible()
    # Online receipts of a field are never "not offered online": a field has no level.
    expect(civil.locator(".flag")).to_have_count(0)

    # A field of the catalogue that the commune's procedures do not cover, found by name.
    page.locator("#grid-search").fill("Tư pháp")
    found = page.locator("#found-rows tr[data-row]")
    expect(found).to_have_count(1)
    cell(found, "received_direct").fill("3")
    cell(found, "resolved_on_time").fill("3")
    page.locator("#grid-search").fill("")
    screenshot(page, "entry-per-field")

    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text("2")
    stored = FieldFiling.objects.filter(unit=commune, year=now.year, month=now.month)
    assert sorted(stored.values_list("field__code", "received_online", "received_direct", "resolved_on_time")) == [
        ("G09.HT", 48, 61, 72),
        ("G09.TP", 0, 3, 3),
    ]
    assert not MonthlyFiling.objects.filter(unit=commune, year=now.year, month=now.month).exists()

    # The month before, reported per procedure, still shows its procedures.
    before = now.shift(-1)
    page.goto(entry_url(live_server, "18073", before.year, before.month))
    expect(page.locator("#grain")).to_contain_text(re.compile("thủ tục|per procedure", re.I))
    expect(page.locator("tr[data-row]", has_text="1.001193")).to_have_count(1)


def test_figures_per_field_show_on_the_history_page(page, live_server, commune):
    now = Month.of(timezone.localdate())
    field = FieldFactory(code="G09.HT")
    field_filings_upsert(
        [
            {
                "unit_id": commune.pk,
                "field_id": field.pk,
                "year": now.year,
                "month": now.month,
                "received_direct": 7,
                "resolved_on_time": 7,
            }
        ],
        source=Source.IMPORT,
    )
    log_in(page, live_server, "canbo_xa")
    page.goto(entry_url(live_server, "18073", now.year, now.month) + "history/")
    expect(page.locator("main")).to_contain_text("Hộ tịch")
