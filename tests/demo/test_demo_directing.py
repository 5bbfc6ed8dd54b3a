"""The demo's directing data: outreach activities (demo.activity_plan: Cẩm Phả's 48 conferences with 3,400
participants in 2019, spread over its wards, and Uông Bí's trainings in 2018) and Hà Tĩnh's Letter
1574/UBND-VHTT (demo.directive_plan: every ward done on time but Văn Yên and Đại Nài)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from core.periods import Period
from demo.seeding import seed_demo
from directing.models import Activity
from directing.selectors.activities import activity_totals
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_cam_pha_conferences_in_2019(seeded):
    out = StringIO()
    call_command("activities", "--unit", "195", "--period", "2019", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "unit": "195",
        "period": {"from": "2019-01", "to": "2019-12"},
        "totals": {"conference": {"count": 48, "participants": 3400}},
    }
    wards = Activity.objects.filter(unit__parent__code="195").values("unit").distinct().count()
    assert wards == 16  # spread over every ward and commune


def test_uong_bi_trainings_in_2018(seeded):
    totals = activity_totals(Unit.objects.get(code="196"), Period.parse("2018"))
    assert set(totals) == {"training"}
    assert totals["training"][0] >= 3


def test_seed_demo_again_changes_no_activity(seeded):
    summary = seed_demo(with_users=False)
    changes = summary.changes["outreach activities"]
    assert (changes.created, changes.updated) == (0, 0)
    assert summary.changes["directive assignments and reports"].created == 0


def test_the_demo_directive_at_its_deadline(seeded):
    out = StringIO()
    call_command("directive_status", "1574/UBND-VHTT", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["directive"], data["issued"], data["issuer"]) == ("1574/UBND-VHTT", "2019-07-04", "436")
    assert len(data["tasks"]) == 3
    for task in data["tasks"]:
        assert task["deadline"] == "2019-08-09"
        statuses = {unit["unit"]: unit["status"] for unit in task["units"]}
        assert {code for code, status in statuses.items() if status == "not_done"} == {"436.VANYEN", "436.DAINAI"}
        assert {status for code, status in statuses.items() if code not in ("436.VANYEN", "436.DAINAI")} == {"done"}
        assert len(statuses) == 7
