"""Inspections: the plan's rules (each refusal names its field and writes nothing), the findings saved all
or nothing, recommendations as tasks of the conclusion tracked by assignment_rows (done, done_late,
not_done, open), the report on time or late, the admin through the same rules, and scope on every page:
a clerk of a visited unit sees only its own findings and recommendations, a clerk of a unit not visited
and another city's leader get 404, the inspecting unit's leader writes, an anonymous user logs in."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import RowsRefused
from directing.models import Directive, Finding, Inspection, InspectionTopic, InspectionVisit, Task, TaskAssignment
from directing.rules.inspections import report_status
from directing.selectors.directives import assignment_rows, directive_status
from directing.selectors.inspections import findings_matrix, inspections_for_user
from directing.services.directives import report_submit
from directing.services.inspections import (
    findings_save,
    inspection_save,
    recommend,
    report_save,
    topics_set,
    visits_set,
)
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2019, 10, 1)
END = datetime.date(2019, 10, 20)
DUE = datetime.date(2019, 11, 15)
DAY = datetime.timedelta(days=1)
TOPICS = ["Cơ sở vật chất", "Nhân lực", "Tuyên truyền"]


@pytest.fixture
def units(city):
    """City T with wards A and B (ended on 30/06/2019) and, added here, wards C (visited with A) and D (a
    sibling not visited); X another city."""
    c = UnitFactory(code="C", name="Phường C", parent=city["T"])
    d = UnitFactory(code="D", name="Phường D", parent=city["T"])
    return {**city, "C": c, "D": d}


def plan(units, **changes):
    values = {
        "number": "12/KH-UBND",
        "title": "Kiểm tra một cửa",
        "inspector": units["T"],
        "start": START,
        "end": END,
        "team": "Nguyễn Văn Một, Trưởng đoàn",
        "report_due": DUE,
        "topics": TOPICS,
        "visits": [(units["A"], START + 2 * DAY), (units["C"], START + 9 * DAY)],
    }
    values.update(changes)
    return values


@pytest.fixture
def world(units):
    """T's inspection of A and C on three topics; users of T (leader, clerk), A, D and X."""
    inspection = inspection_save(**plan(units))
    return {
        **units,
        "inspection": inspection,
        "topics": list(inspection.topics.all()),
        "visit_a": inspection.visits.get(unit=units["A"]),
        "visit_c": inspection.visits.get(unit=units["C"]),
        "leader": UserFactory(username="leader_t", role="leader", units=[units["T"]]),
        "clerk_t": UserFactory(username="clerk_t", role="clerk", units=[units["T"]]),
        "clerk_a": UserFactory(username="clerk_a", role="clerk", units=[units["A"]]),
        "clerk_d": UserFactory(username="clerk_d", role="clerk", units=[units["D"]]),
        "leader_x": UserFactory(username="leader_x", role="leader", units=[units["X"]]),
    }


def refused_fields(call):
    with pytest.raises(RowsRefused) as refused:
        call()
    return {(position, field) for position, issues in refused.value.problems.items() for field, _reason in issues}


# --- the plan ----------------------------------------------------------------------------------------------


def test_the_plan_with_its_topics_and_visits(world):
    inspection = world["inspection"]
    assert [t.title for t in inspection.topics.all()] == TOPICS
    assert [(v.unit.code, v.date) for v in inspection.visits.all()] == [("A", START + 2 * DAY), ("C", START + 9 * DAY)]
    # Saving the same plan again changes nothing; a new order moves the topics, keeping their ids.
    ids = {t.title: t.pk for t in world["topics"]}
    assert inspection_save(**plan(world)).pk == inspection.pk
    assert topics_set(inspection, list(reversed(TOPICS))) == 2  # the first and the last moved
    assert {t.title: t.pk for t in inspection.topics.all()} == ids
    assert [t.title for t in inspection.topics.all()] == list(reversed(TOPICS))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"number": " "}, "number"),
        ({"title": ""}, "title"),
        ({"end": START - DAY}, "end"),
        ({"start": None}, "start"),
        ({"inspector": None}, "inspector"),
        ({"report_due": END - DAY}, "report_due"),
    ],
)
def test_a_wrong_plan_names_the_field_and_writes_nothing(units, changes, field):
    assert refused_fields(lambda: inspection_save(**plan(units, **changes))) == {(0, field)}
    assert not Inspection.objects.exists()


def test_an_inspecting_unit_that_did_not_exist_on_the_first_day(units):
    # B ended on 30/06/2019; the inspection starts on 01/10/2019.
    assert refused_fields(lambda: inspection_save(**plan(units, inspector=units["B"], visits=[]))) == {(0, "inspector")}
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "topics, expected",
    [
        (["Nhân lực", " "], {(1, "title")}),
        (["Nhân lực", "nhân lực"], {(1, "title")}),  # the same topic twice
        (["x" * 301], {(0, "title")}),
    ],
)
def test_wrong_topics_are_refused_by_position(units, topics, expected):
    assert refused_fields(lambda: inspection_save(**plan(units, topics=topics))) == expected
    assert not Inspection.objects.exists() and not InspectionTopic.objects.exists()


@pytest.mark.parametrize(
    "visit, field",
    [
        (("X", START), "unit"),  # not below the inspecting unit
        (("T", START), "unit"),  # the inspecting unit itself
        (("B", START), "unit"),  # ended on 30/06/2019
        (("A", END + DAY), "date"),  # after the last day
        (("A", START - DAY), "date"),  # before the first
    ],
)
def test_wrong_visits_are_refused_by_position(units, visit, field):
    code, day = visit
    visits = [(units["C"], START), (units[code], day)]
    assert refused_fields(lambda: inspection_save(**plan(units, visits=visits))) == {(1, field)}
    assert not Inspection.objects.exists() and not InspectionVisit.objects.exists()


def test_a_unit_visited_twice_and_a_visit_without_a_day(units):
    visits = [(units["A"], START), (units["A"], END)]
    assert refused_fields(lambda: inspection_save(**plan(units, visits=visits))) == {(1, "unit")}
    inspection = inspection_save(**plan(units, visits=[(units["A"], None)]))  # the day not fixed yet
    assert inspection.visits.get().date is None


def test_moving_the_dates_away_from_the_visits_is_refused(world):
    inspection = world["inspection"]
    later = plan(world, start=END, end=END + 5 * DAY, report_due=END + 10 * DAY)
    del later["visits"]  # the stored visits stay: they no longer fit
    assert refused_fields(lambda: inspection_save(**later)) == {(0, "visits")}
    inspection.refresh_from_db()
    assert (inspection.start, inspection.end) == (START, END)


def test_a_topic_or_a_visit_with_findings_is_not_removed(world):
    findings_save(world["visit_a"], [{"topic": world["topics"][0], "result": "meets"}])
    assert refused_fields(lambda: topics_set(world["inspection"], TOPICS[1:])) == {(0, "topics")}
    assert refused_fields(lambda: visits_set(world["inspection"], [(world["C"], START)])) == {(0, "visits")}
    assert world["inspection"].topics.count() == 3 and world["inspection"].visits.count() == 2
    # Without findings they go.
    assert visits_set(world["inspection"], [(world["A"], START + 2 * DAY)]) == 1
    assert list(world["inspection"].visits.values_list("unit__code", flat=True)) == ["A"]


# --- findings ----------------------------------------------------------------------------------------------


def rows(world, *results):
    return [
        {"topic": topic, "result": result, "note": f"ghi chú {n}"}
        for n, (topic, result) in enumerate(zip(world["topics"], results, strict=False))
    ]


def test_findings_are_saved_all_or_nothing(world):
    visit = world["visit_a"]
    bad = rows(world, "meets", "excellent", "fails")
    assert refused_fields(lambda: findings_save(visit, bad, user=world["clerk_t"])) == {(1, "result")}
    assert not Finding.objects.exists()
    # A note without a result, and a topic of another inspection, are refused too.
    other = inspection_save(**plan(world, number="13/KH-UBND", topics=["Khác"], visits=[]))
    wrong = [
        {"topic": world["topics"][0], "result": "", "note": "chưa rõ"},
        {"topic": other.topics.get(), "result": "meets"},
    ]
    assert refused_fields(lambda: findings_save(visit, wrong)) == {(0, "result"), (1, "topic")}
    assert not Finding.objects.exists()
    assert findings_save(visit, rows(world, "meets", "partly", "fails"), user=world["clerk_t"]) == 3
    assert findings_save(visit, rows(world, "meets", "partly", "fails")) == 0  # unchanged
    # An empty result removes a finding.
    assert findings_save(visit, [{"topic": world["topics"][1], "result": ""}]) == 1
    assert dict(visit.findings.values_list("topic__title", "result")) == {TOPICS[0]: "meets", TOPICS[2]: "fails"}


def test_who_enters_findings_and_when(world):
    visit = world["visit_a"]
    # The visited unit does not grade itself; a unit of another city even less.
    for user in (world["clerk_a"], world["leader_x"]):
        assert refused_fields(lambda user=user: findings_save(visit, rows(world, "meets"), user=user)) == {(0, "visit")}
    # Nothing is found before the visit.
    early = START + DAY
    assert refused_fields(lambda: findings_save(visit, rows(world, "meets"), today=early)) == {(0, "visit")}
    assert not Finding.objects.exists()
    assert findings_save(visit, rows(world, "meets"), user=world["leader"]) == 1


def test_the_findings_matrix(world):
    findings_save(world["visit_a"], rows(world, "meets", "partly", "fails"))
    findings_save(world["visit_c"], rows(world, "meets"))
    matrix = findings_matrix(world["inspection"], world["inspection"].visits.select_related("unit"))
    assert [t.title for t in matrix.topics] == TOPICS
    cells = {row.visit.unit.code: [cell.result if cell else None for cell in row.cells] for row in matrix.rows}
    assert cells == {"A": ["meets", "partly", "fails"], "C": ["meets", None, None]}
    assert [dict(counts) for _topic, counts in matrix.total_rows()] == [{"meets": 2}, {"partly": 1}, {"fails": 1}]


# --- recommendations ---------------------------------------------------------------------------------------

MADE = END + 10 * DAY
DEADLINE = MADE + 30 * DAY


def test_a_recommendation_is_a_task_of_the_conclusion_tracked_like_any_task(world):
    inspection = world["inspection"]
    task = recommend(
        inspection, title="Bố trí máy quét", deadline=DEADLINE, units=[world["A"], world["C"]], issued=MADE, today=MADE
    )
    inspection.refresh_from_db()
    conclusion = inspection.conclusion
    assert (conclusion.number, conclusion.issued, conclusion.issuer) == ("12/KH-UBND/KL", MADE, world["T"])
    assert conclusion.title == "Kết luận kiểm tra: Kiểm tra một cửa"
    assert (task.directive, task.deadline) == (conclusion, DEADLINE)
    # A second recommendation, made later by a leader on the page, goes to the same conclusion.
    later = recommend(
        inspection, title="Tuyên truyền", deadline=DEADLINE, units=[world["C"]], user=world["leader"], today=MADE + DAY
    )
    assert later.directive == conclusion and Directive.objects.count() == 1
    assignments = {(a.task.title, a.unit.code): a for a in TaskAssignment.objects.select_related("task", "unit")}
    report_submit(assignments["Bố trí máy quét", "A"], user=None, done_on=DEADLINE, today=DEADLINE)
    report_submit(assignments["Bố trí máy quét", "C"], user=None, done_on=DEADLINE + DAY, today=DEADLINE + DAY)
    statuses = {
        (row.task.title, row.unit.code): row.status
        for row in assignment_rows(TaskAssignment.objects.filter(task__directive=conclusion), DEADLINE + DAY)
    }
    assert statuses == {
        ("Bố trí máy quét", "A"): "done",
        ("Bố trí máy quét", "C"): "done_late",
        ("Tuyên truyền", "C"): "not_done",
    }
    open_on_deadline = assignment_rows(TaskAssignment.objects.filter(task=later), DEADLINE)
    assert [row.status for row in open_on_deadline] == ["open"]
    # directive_status (the command's JSON) knows the conclusion like any directive.
    assert [t["title"] for t in directive_status(conclusion, DEADLINE)["tasks"]] == ["Bố trí máy quét", "Tuyên truyền"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"deadline": MADE - DAY}, "deadline"),  # before the day it is made
        ({"title": " "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"units": []}, "units"),
        ({"issued": START - DAY}, "issued"),  # before the inspection started
        ({"issued": MADE + DAY}, "issued"),  # in the future
    ],
)
def test_a_wrong_recommendation_names_the_field_and_writes_nothing(world, changes, field):
    values = {"title": "Bố trí máy quét", "deadline": DEADLINE, "units": [world["A"]], "issued": MADE, "today": MADE}
    values.update(changes)
    assert {f for _p, f in refused_fields(lambda: recommend(world["inspection"], **values))} == {field}
    assert not Directive.objects.exists() and not Task.objects.exists()


def test_only_visited_units_and_only_a_leader_of_the_inspecting_unit(world):
    inspection = world["inspection"]
    values = {"title": "Bố trí máy quét", "deadline": DEADLINE, "issued": MADE, "today": MADE}
    assert refused_fields(lambda: recommend(inspection, units=[world["A"], world["D"]], **values)) == {(1, "units")}
    for user in (world["clerk_t"], world["clerk_a"], world["leader_x"]):
        assert refused_fields(lambda user=user: recommend(inspection, units=[world["A"]], user=user, **values)) == {
            (0, "inspection")
        }
    assert not Directive.objects.exists() and not TaskAssignment.objects.exists()


def test_a_directive_with_the_conclusions_number_is_not_taken_over(world):
    Directive.objects.create(number="12/KH-UBND/KL", issued=MADE, issuer=world["X"], title="Văn bản khác")
    values = {"title": "x", "deadline": DEADLINE, "units": [world["A"]], "issued": MADE, "today": MADE}
    assert refused_fields(lambda: recommend(world["inspection"], **values)) == {(0, "inspection")}
    assert Directive.objects.get().issuer == world["X"] and not Task.objects.exists()


# --- the report --------------------------------------------------------------------------------------------


def test_the_report_on_time_or_late(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    inspection = world["inspection"]
    assert report_status(DUE, None, DUE) == "due" and report_status(DUE, None, DUE + DAY) == "overdue"
    report_save(inspection, text="Báo cáo kết quả", reported_on=DUE, user=world["leader"], today=DUE)
    assert report_status(inspection.report_due, inspection.reported_on, DUE) == "on_time"
    upload = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4", content_type="application/pdf")
    report_save(inspection, text="", reported_on=DUE + DAY, file=upload, today=DUE + 2 * DAY)
    inspection.refresh_from_db()
    assert inspection.report_file.name.endswith(".pdf") and inspection.reported_on == DUE + DAY
    assert report_status(inspection.report_due, inspection.reported_on, DUE + 2 * DAY) == "late"
    assert report_status(None, DUE, DUE) == "on_time"  # no day due: never late


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"text": " "}, "report"),  # neither a text nor a file
        ({"reported_on": DUE + DAY}, "reported_on"),  # in the future
        ({"reported_on": START - DAY}, "reported_on"),  # before the inspection started
        ({"reported_on": None}, "reported_on"),
        ({"user": "clerk_t"}, "inspection"),
        ({"user": "clerk_a"}, "inspection"),
    ],
)
def test_a_wrong_report_names_the_field_and_writes_nothing(world, changes, field):
    values = {"text": "Báo cáo", "reported_on": DUE, "today": DUE, **changes}
    if "user" in values:
        values["user"] = world[values["user"]]
    assert refused_fields(lambda: report_save(world["inspection"], **values)) == {(0, field)}
    world["inspection"].refresh_from_db()
    assert world["inspection"].reported_on is None and world["inspection"].report == ""


# --- pages and scope ---------------------------------------------------------------------------------------


@pytest.fixture
def pages(world):
    """A's and C's findings with notes of their own, a recommendation to each, and another city's
    inspection (X visiting its own ward Y)."""
    findings_save(world["visit_a"], [{"topic": world["topics"][0], "result": "fails", "note": "Ghi chú của A"}])
    findings_save(world["visit_c"], [{"topic": world["topics"][0], "result": "partly", "note": "Bí mật của C"}])
    recommend(world["inspection"], title="Việc của A", deadline=DEADLINE, units=[world["A"]], issued=MADE, today=MADE)
    recommend(world["inspection"], title="Việc của C", deadline=DEADLINE, units=[world["C"]], issued=MADE, today=MADE)
    report_save(world["inspection"], text="Báo cáo chung: C còn tồn tại", reported_on=DUE, today=DUE)
    y = UnitFactory(code="Y", name="Phường Y", parent=world["X"])
    theirs = inspection_save(
        number="9/XA-LA",
        title="Kiểm tra Xa Lạ",
        inspector=world["X"],
        start=START,
        end=END,
        topics=["Bí ẩn"],
        visits=[(y, START)],
    )
    return {**world, "theirs": theirs, "their_visit": theirs.visits.get()}


def urls(world):
    inspection, visit_a, visit_c = world["inspection"], world["visit_a"], world["visit_c"]
    return {
        "list": ("get", reverse("directing:inspections"), {}),
        "inspection": ("get", reverse("directing:inspection", args=[inspection.pk]), {}),
        "findings_a": ("get", reverse("directing:visit_findings", args=[visit_a.pk]), {}),
        "findings_c": ("get", reverse("directing:visit_findings", args=[visit_c.pk]), {}),
        "findings_c_post": (
            "post",
            reverse("directing:visit_findings", args=[visit_c.pk]),
            {f"result_{world['topics'][0].pk}": "meets"},
        ),
        "recommend": (
            "post",
            reverse("directing:inspection_recommend", args=[inspection.pk]),
            {
                "recommendation-title": "Mới",
                "recommendation-deadline": "2030-01-01",
                "recommendation-units": [world["A"].pk],
            },
        ),
        "report": (
            "post",
            reverse("directing:inspection_report", args=[inspection.pk]),
            {"report-report": "Báo cáo mới", "report-reported_on": "2019-11-20"},
        ),
    }


def answers(client, world, user):
    if user is None:
        client.logout()
    else:
        client.force_login(world[user])
    return {name: getattr(client, method)(url, data) for name, (method, url, data) in urls(world).items()}


def unchanged(world):
    """Nothing the tries could have written was written."""
    world["inspection"].refresh_from_db()
    assert world["inspection"].report == "Báo cáo chung: C còn tồn tại"
    assert not Task.objects.filter(title="Mới").exists()
    assert world["visit_c"].findings.get().result == "partly"


def test_anonymous_users_are_sent_to_log_in(client, pages):
    for name, response in answers(client, pages, None).items():
        assert response.status_code == 302 and reverse("login") in response["Location"], name
    unchanged(pages)


def test_a_clerk_of_a_visited_unit_sees_its_own_findings_and_recommendations_only(client, pages):
    responses = answers(client, pages, "clerk_a")
    assert {name: r.status_code for name, r in responses.items()} == {
        "list": 200,
        "inspection": 200,
        "findings_a": 403,  # its own visit: seen, not graded by itself
        "findings_c": 404,  # another visited unit's
        "findings_c_post": 404,
        "recommend": 403,
        "report": 403,
    }
    unchanged(pages)
    listing = responses["list"].content.decode()
    assert "12/KH-UBND" in listing and "9/XA-LA" not in listing
    page = client.get(reverse("directing:inspection", args=[pages["inspection"].pk])).content.decode()
    assert "Ghi chú của A" in page and "Việc của A" in page
    assert "Bí mật của C" not in page and "Việc của C" not in page and "C còn tồn tại" not in page
    assert 'id="recommendation-form"' not in page and 'id="report-form"' not in page
    assert "Phường C" in page  # the plan (units and days) is the same for every unit visited
    # The conclusion's directive page shows A's task only, as for any directive.
    directive = client.get(reverse("directing:directive", args=[pages["inspection"].conclusion_id])).content.decode()
    assert "Việc của A" in directive and "Việc của C" not in directive


@pytest.mark.parametrize("user", ["clerk_d", "leader_x"])
def test_a_unit_not_visited_gets_404(client, pages, user):
    responses = answers(client, pages, user)
    assert responses.pop("list").status_code == 200
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    for response in responses.values():
        assert "Bí mật" not in response.content.decode()
    unchanged(pages)
    listing = client.get(reverse("directing:inspections")).content.decode()
    assert "12/KH-UBND" not in listing
    assert ("9/XA-LA" in listing) == (user == "leader_x")
    assert list(inspections_for_user(pages[user])) == ([pages["theirs"]] if user == "leader_x" else [])


def test_the_inspecting_units_leader_sees_everything_and_writes(client, pages):
    client.force_login(pages["leader"])
    page = client.get(reverse("directing:inspection", args=[pages["inspection"].pk])).content.decode()
    for text in ("Ghi chú của A", "Bí mật của C", "Việc của A", "Việc của C", "C còn tồn tại", "Nguyễn Văn Một"):
        assert text in page, text
    assert 'id="recommendation-form"' in page and 'id="report-form"' in page and 'id="findings-matrix"' in page
    assert "finding-result--fails" in page and "finding-result--partly" in page
    for name, response in answers(client, pages, "leader").items():
        assert response.status_code in (200, 302), name
    assert Task.objects.get(title="Mới").assignments.get().unit == pages["A"]
    pages["inspection"].refresh_from_db()
    assert pages["inspection"].report == "Báo cáo mới"
    assert pages["visit_c"].findings.get().result == "meets"
    their = reverse("directing:visit_findings", args=[pages["their_visit"].pk])
    assert client.get(their).status_code == 404
    assert client.get(reverse("directing:inspection", args=[pages["theirs"].pk])).status_code == 404


def test_a_clerk_of_the_inspecting_unit_enters_findings(client, pages):
    client.force_login(pages["clerk_t"])
    url = reverse("directing:visit_findings", args=[pages["visit_c"].pk])
    form = client.get(url).content.decode()
    assert "Bí mật của C" in form and all(topic in form for topic in TOPICS)
    topics = pages["topics"]
    data = {f"result_{topics[0].pk}": "meets", f"note_{topics[0].pk}": "Đã bổ sung", f"result_{topics[2].pk}": "fails"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert dict(pages["visit_c"].findings.values_list("topic__title", "result")) == {
        TOPICS[0]: "meets",
        TOPICS[2]: "fails",
    }
    # Not a leader: no recommendation, no report.
    assert client.post(reverse("directing:inspection_recommend", args=[pages["inspection"].pk]), {}).status_code == 403


def test_bad_input_on_the_pages_gives_a_message_and_writes_nothing(client, pages):
    client.force_login(pages["leader"])
    topics = pages["topics"]
    findings_url = reverse("directing:visit_findings", args=[pages["visit_c"].pk])
    for data in (
        {f"result_{topics[0].pk}": "excellent", f"result_{topics[1].pk}": "meets"},  # not a result
        {f"result_{topics[0].pk}": "meets", f"note_{topics[1].pk}": "ghi chú không kèm kết quả"},
    ):
        response = client.post(findings_url, data)
        assert response.status_code == 200 and 'class="form__error"' in response.content.decode()
        assert [str(m) for m in response.context["messages"]], data
        assert list(pages["visit_c"].findings.values_list("result", flat=True)) == ["partly"]  # all or nothing
    recommend_url = reverse("directing:inspection_recommend", args=[pages["inspection"].pk])
    for data in (
        {"recommendation-title": "Mới", "recommendation-deadline": "hôm qua", "recommendation-units": [pages["A"].pk]},
        {"recommendation-title": "Mới", "recommendation-deadline": "2030-01-01", "recommendation-units": ["999999"]},
        # An id no database holds (30 digits), or not a plain number.
        {"recommendation-title": "Mới", "recommendation-deadline": "2030-01-01", "recommendation-units": ["9" * 30]},
        {"recommendation-title": "Mới", "recommendation-deadline": "2030-01-01", "recommendation-units": ["²"]},
        {
            "recommendation-title": "Mới",
            "recommendation-deadline": "2030-01-01",
            "recommendation-units": [pages["D"].pk],
        },
        {
            "recommendation-title": "Mới",
            "recommendation-deadline": "2019-01-01",
            "recommendation-units": [pages["A"].pk],
        },
        {},
    ):
        response = client.post(recommend_url, data)
        assert response.status_code == 200, data
        assert 'class="form__error"' in response.content.decode() and list(response.context["messages"]), data
    assert not Task.objects.filter(title="Mới").exists()
    report_url = reverse("directing:inspection_report", args=[pages["inspection"].pk])
    for data in (
        {"report-report": "Mới", "report-reported_on": "2099-01-01"},
        {"report-report": "Mới", "report-reported_on": "31/02/2019"},
        {"report-report": "", "report-reported_on": "2019-11-20"},
    ):
        response = client.post(report_url, data)
        assert response.status_code == 200 and 'class="form__error"' in response.content.decode(), data
    unchanged(pages)
    # A GET on the POST-only pages is refused, not an error.
    assert client.get(recommend_url).status_code == 405


def test_the_reports_file_is_a_download_for_the_inspecting_unit_only(client, pages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(pages["leader"])
    report_url = reverse("directing:inspection_report", args=[pages["inspection"].pk])
    file_url = reverse("directing:inspection_report_file", args=[pages["inspection"].pk])
    assert client.get(file_url).status_code == 404  # no file yet
    page = SimpleUploadedFile("trang.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post(
        report_url, {"report-report": "Mới", "report-reported_on": "2019-11-20", "report-file": page}
    )
    assert response.status_code == 200 and "trang.html" in response.content.decode()  # not a document
    unchanged(pages)
    pdf = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    response = client.post(report_url, {"report-report": "", "report-reported_on": "2019-11-20", "report-file": pdf})
    assert response.status_code == 302
    download = client.get(file_url)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ..."
    for user in ("clerk_a", "clerk_d", "leader_x"):
        client.force_login(pages[user])
        assert client.get(file_url).status_code == 404, user
    client.logout()
    assert client.get(file_url).status_code == 302


def test_the_list_and_the_report_status(client, pages):
    client.force_login(pages["leader"])
    listing = client.get(reverse("directing:inspections"), HTTP_ACCEPT_LANGUAGE="en")
    html = listing.content.decode()
    assert "12/KH-UBND" in html and "report-status--on_time" in html and "15/11/2019" in html
    assert 'href="/directing/inspections/"' in html  # the directing menu's new line


# --- the admin ---------------------------------------------------------------------------------------------

ADD = "admin:directing_inspection_add"


def admin_form(units, visits, topics=("Nhân lực",), **changes):
    data = {
        "number": "20/KH-UBND",
        "title": "Kiểm tra qua admin",
        "inspector": str(units["T"].pk),
        "start": "2019-10-01",
        "end": "2019-10-20",
        "team": "",
        "report_due": "2019-11-15",
        "report": "",
        "reported_on": "",
        "topics-TOTAL_FORMS": str(len(topics)),
        "topics-INITIAL_FORMS": "0",
        "topics-MIN_NUM_FORMS": "0",
        "topics-MAX_NUM_FORMS": "1000",
        "visits-TOTAL_FORMS": str(len(visits)),
        "visits-INITIAL_FORMS": "0",
        "visits-MIN_NUM_FORMS": "0",
        "visits-MAX_NUM_FORMS": "1000",
    }
    for i, title in enumerate(topics):
        data.update({f"topics-{i}-position": str(i), f"topics-{i}-title": title})
    for i, (code, day) in enumerate(visits):
        data.update({f"visits-{i}-unit": str(units[code].pk), f"visits-{i}-date": day})
    data.update(changes)
    return data


def test_the_admin_writes_through_the_service(admin_client, units):
    response = admin_client.post(reverse(ADD), admin_form(units, [("A", "2019-10-03"), ("C", "")]))
    assert response.status_code == 302, response.context and response.context["errors"]
    inspection = Inspection.objects.get(number="20/KH-UBND")
    assert {v.unit.code: v.date for v in inspection.visits.all()} == {"A": datetime.date(2019, 10, 3), "C": None}
    assert [t.title for t in inspection.topics.all()] == ["Nhân lực"]
    assert admin_client.get(reverse("admin:directing_inspection_change", args=[inspection.pk])).status_code == 200


@pytest.mark.parametrize(
    "visits, topics, changes, where",
    [
        ([("X", "2019-10-03")], ["Nhân lực"], {}, "visits"),  # not below T
        ([("A", "2019-10-25")], ["Nhân lực"], {}, "visits"),  # after the last day
        ([("A", "2019-10-03"), ("A", "")], ["Nhân lực"], {}, "visits"),  # twice
        ([("A", "2019-10-03")], ["Nhân lực", "nhân lực "], {}, "topics"),  # twice
        ([("A", "2019-10-03")], ["Nhân lực"], {"end": "2019-09-01"}, "end"),
        ([("A", "2019-10-03")], ["Nhân lực"], {"report_due": "2019-10-02"}, "report_due"),
        ([("A", "2019-10-03")], ["Nhân lực"], {"report": "Báo cáo", "reported_on": "2099-01-01"}, "reported_on"),
    ],
)
def test_the_admin_refuses_through_the_same_rules(admin_client, units, visits, topics, changes, where):
    response = admin_client.post(reverse(ADD), admin_form(units, visits, topics, **changes))
    assert response.status_code == 200
    if where in ("visits", "topics"):
        inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.prefix == where)
        assert any(inline.formset.errors) or inline.formset.non_form_errors()
    else:
        assert where in response.context["adminform"].form.errors
    assert not Inspection.objects.exists()
