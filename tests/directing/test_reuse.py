"""The directing sections of the unit page (open tasks, indicators, activities) and of the home page (open
tasks) are reused with their figures (reports.reuse) and follow every write of what they show at once:
through the services (bulk writes included), one by one as the admin saves and deletes, and a change of a
directive, task or indicator.

Outside a transaction (`transaction=True`), as requests run: inside one, nothing is reused."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directing.models import Activity, TaskAssignment
from directing.services.activities import activities_upsert
from directing.services.directives import assignments_add, directive_save, report_submit, task_save
from directing.services.indicators import indicator_save, indicator_values_upsert
from reports.models import UnitVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ISSUED, DEADLINE = datetime.date(2019, 7, 4), datetime.date(2019, 8, 9)


def section(html, element_id):
    """The HTML of the page's section with this id ("" when the page has none)."""
    start = html.find(f'id="{element_id}"')
    return "" if start == -1 else html[start : html.find("</section>", start)]


def test_the_unit_pages_directing_sections_are_reused_and_follow_every_write(client, city):
    leader = UserFactory(username="leader_t", role="leader", units=[city["T"]])
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    directive = directive_save(number="1/UBND", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    task = task_save(directive, title="Treo pano", deadline=DEADLINE)
    assignments_add(task, [city["A"]])
    client.force_login(leader)
    url, params = reverse("reports:unit", args=["T"]), {"period": "2019"}

    def page():
        return client.get(url, params).content.decode()

    assert "Treo pano" in section(page(), "tasks-panel")
    with CaptureQueriesContext(connection) as queries:
        again = page()
    assert "Treo pano" in section(again, "tasks-panel")
    assert not [q["sql"] for q in queries.captured_queries if "directing_" in q["sql"]]  # reused

    # A task renamed one by one (as the admin saves it), then another unit assigned in bulk.
    task.title = "Treo băng rôn"
    task.save()
    assert "Treo băng rôn" in section(page(), "tasks-panel")
    assignments_add(task, [city["T"]])
    assert section(page(), "tasks-panel").count("Treo băng rôn") == 2
    # Both report: nothing open is left.
    for assignment in TaskAssignment.objects.filter(task=task):
        report_submit(
            assignment, user=clerk if assignment.unit == city["A"] else leader, done_on=DEADLINE, today=DEADLINE
        )
    assert section(page(), "tasks-panel") == ""

    # Indicator values in bulk, then the indicator renamed.
    kiosks = indicator_save(code="kiosks", name="Ki-ốt", measure="ki-ốt", periodicity="year", position=1)
    assert section(page(), "indicators-panel") == ""
    indicator_values_upsert(
        [
            {
                "indicator_id": kiosks.pk,
                "unit_id": city["A"].pk,
                "period_start": datetime.date(2019, 1, 1),
                "value": Decimal(7),
                "denominator": None,
                "note": "",
            }
        ],
        today=datetime.date(2020, 1, 15),
    )
    assert "Ki-ốt" in section(page(), "indicators-panel")
    indicator_save(code="kiosks", name="Ki-ốt dịch vụ công", measure="ki-ốt", periodicity="year", position=1)
    assert "Ki-ốt dịch vụ công" in section(page(), "indicators-panel")

    # Activities through the service, then one deleted as the admin deletes it.
    activities_upsert(
        [
            {
                "unit_id": city["A"].pk,
                "date": datetime.date(2019, 3, 1),
                "kind": "conference",
                "participants": 50,
                "note": "",
            }
        ],
        today=datetime.date(2020, 1, 15),
    )
    assert "50" in section(page(), "activities-panel")
    Activity.objects.get().delete()
    assert section(page(), "activities-panel") == ""


def test_the_home_pages_open_tasks_are_reused_and_follow_a_report(client, city):
    clerk = UserFactory(username="clerk_a", role="clerk", units=[city["A"]])
    directive = directive_save(number="1/UBND", issued=ISSUED, issuer=city["T"], title="Tuyên truyền")
    assignments_add(task_save(directive, title="Treo pano", deadline=DEADLINE), [city["A"]])
    client.force_login(clerk)

    def page():
        return client.get(reverse("home"), {"period": "2019"}).content.decode()

    assert "Treo pano" in section(page(), "tasks-panel")
    with CaptureQueriesContext(connection) as queries:
        assert "Treo pano" in section(page(), "tasks-panel")
    assert not [q["sql"] for q in queries.captured_queries if "directing_" in q["sql"]]  # reused
    report_submit(TaskAssignment.objects.get(), user=clerk, done_on=DEADLINE, today=DEADLINE)
    assert section(page(), "tasks-panel") == ""


def test_activities_written_row_by_row_raise_their_units_counters_once(city):
    rows = [
        {"unit_id": unit.pk, "date": datetime.date(2019, 3, day), "kind": "conference", "participants": 10, "note": ""}
        for unit in (city["A"], city["T"])
        for day in (1, 2, 3)
    ]
    with CaptureQueriesContext(connection) as queries:
        activities_upsert(rows, today=datetime.date(2020, 1, 15))
    bumps = [q["sql"] for q in queries.captured_queries if "reports_unitversion" in q["sql"]]
    assert len(bumps) == 1  # six activities, one statement for both units
    assert set(UnitVersion.objects.filter(unit__in=[city["A"], city["T"]]).values_list("version", flat=True)) == {1}
