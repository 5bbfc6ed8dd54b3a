"""The Decision 766 columns of the entry page in Chromium: hidden until the clerk shows them (the choice
remembered), typed like the others with the warnings of filings.rules.score_warnings as typed, saved
through the one write path; an empty cell is "not reported", stored as None, never 0."""

import re

import pytest
from playwright.sync_api import expect

from filings.models import FIGURE_FIELDS, MonthlyFiling
from filings.services import Source, filings_upsert
from reports.models import UnitMonthTotal
from reports.services import totals_rebuild
from tests.browser.test_entry import commune, entry_url, log_in, this_month  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser]


def cell(row, field):
    """A row's input of one figure: form 06's ten counts, then the seven of Decision 766."""
    return row.locator("input").nth(FIGURE_FIELDS.index(field))


def test_a_clerk_shows_the_decision_766_columns_types_them_and_saves(page, live_server, commune):  # noqa: F811
    year, month = this_month()
    birth = commune.offerings.get(procedure__code="1.001193").procedure
    # Stored: received 40 + 60, resolved 100; synchronised 90 known, the rest of Decision 766 not reported.
    filings_upsert(
        [
            {
                "unit_id": commune.pk,
                "procedure_id": birth.pk,
                "year": year,
                "month": month,
                "received_online": 40,
                "received_direct": 60,
                "resolved_on_time": 100,
                "synced": 90,
            }
        ],
        fields=("received_online", "received_direct", "resolved_on_time", "synced"),
        source=Source.IMPORT,
    )
    log_in(page, live_server, "canbo")
    page.goto(entry_url(live_server, "06658", year, month))
    row = page.locator(f'tr[data-row="{birth.pk}"]')

    # Hidden by default; the toggle shows the group, the seven headers and the stored value.
    toggle = page.locator("#show-scores")
    expect(toggle).not_to_be_checked()
    expect(page.locator("#h10")).to_be_hidden()
    expect(cell(row, "synced")).to_be_hidden()
    toggle.check()
    expect(page.locator("#h10")).to_be_visible()
    expect(page.locator("#h16")).to_be_visible()
    expect(cell(row, "synced")).to_be_visible()
    expect(cell(row, "synced")).to_have_value("90")
    expect(cell(row, "synced")).to_have_attribute("aria-labelledby", f"p{birth.pk} h10")  # named once shown
    expect(cell(row, "fee_required")).to_have_value("")  # not reported
    expect(page.locator('tfoot [data-sum="fee_required"]')).to_have_text("—")

    # Tab goes on from the postal returns into the Decision 766 cells when they are shown.
    cell(row, "returned_postal").focus()
    page.keyboard.press("Tab")
    expect(cell(row, "synced")).to_be_focused()

    # More paid online than filings with a fee: flagged as typed, like the balance.
    cell(row, "fee_required").fill("20")
    cell(row, "paid_online").fill("25")
    expect(row.locator(".flag")).to_have_attribute("title", re.compile(r"^25\D+20\D"))
    cell(row, "paid_online").fill("12")
    expect(row.locator(".flag")).to_have_count(0)
    cell(row, "ratings").fill("0")  # 0 is a figure: no ratings this month
    expect(page.locator('tfoot [data-sum="fee_required"]')).to_have_text("20")

    page.locator("#save-draft").click()
    expect(page.locator(".messages")).to_be_visible()
    stored = MonthlyFiling.objects.get(unit=commune, procedure=birth)
    assert (stored.synced, stored.fee_required, stored.paid_online, stored.digitised) == (90, 20, 12, None)
    assert (stored.e_results, stored.ratings, stored.ratings_satisfied) == (None, 0, None)
    assert (stored.received_online, stored.received_direct, stored.resolved_on_time) == (40, 60, 100)
    total = UnitMonthTotal.objects.get(unit=commune, year=year, month=month)
    assert (total.paid_online, total.fee_required, total.ratings) == (12, 20, None)  # no satisfied ratings known
    columns = [f.name for f in UnitMonthTotal._meta.fields if f.name != "id"]
    before = list(UnitMonthTotal.objects.order_by("unit", "year", "month").values_list(*columns))
    totals_rebuild()
    assert list(UnitMonthTotal.objects.order_by("unit", "year", "month").values_list(*columns)) == before

    # The reloaded page remembers that the columns are shown, with what was saved.
    row = page.locator(f'tr[data-row="{birth.pk}"]')
    expect(page.locator("#show-scores")).to_be_checked()
    expect(cell(row, "paid_online")).to_be_visible()
    expect(cell(row, "paid_online")).to_have_value("12")
    expect(cell(row, "digitised")).to_have_value("")

    # Emptying a cell makes the count "not reported" again, not 0.
    cell(row, "fee_required").fill("")
    cell(row, "paid_online").fill("")
    page.locator("#save-draft").click()
    expect(page.locator(".messages")).to_be_visible()
    stored.refresh_from_db()
    assert (stored.fee_required, stored.paid_online, stored.synced) == (None, None, 90)

    # Hidden again, and remembered so.
    page.locator("#show-scores").uncheck()
    page.reload()
    expect(page.locator("#show-scores")).not_to_be_checked()
    expect(cell(page.locator(f'tr[data-row="{birth.pk}"]'), "synced")).to_be_hidden()
