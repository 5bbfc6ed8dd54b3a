"""The first score version: DOMAIN.md's table of Decision 766/QĐ-TTg (docs/kpis.md, "Decision 766").

Its thresholds are our starting reading of the decision, to be checked against the current official
guidance; an administrator adds the next version (admin, Score versions) when the national formula changes,
rather than editing this one, so that past periods keep their score."""

import datetime
from decimal import Decimal

from django.db import migrations

from scores.rules import indicator_problems, version_problems

CODE = "766-2022"
# (group, group label as the national portal's scoreboard names it, KPI, threshold %, points), in order.
INDICATORS = [
    ("transparency", "Công khai, minh bạch", "sync_rate", "100", "18"),
    ("progress", "Tiến độ giải quyết", "on_time_rate", "100", "20"),
    ("online_service", "Dịch vụ trực tuyến", "online_rate_eligible", "50", "12"),
    ("online_payment", "Thanh toán trực tuyến", "online_payment_rate", "50", "10"),
    ("digitisation", "Mức độ số hóa hồ sơ", "digitisation_rate", "100", "11"),
    ("digitisation", "Mức độ số hóa hồ sơ", "e_result_rate", "100", "11"),
    ("satisfaction", "Mức độ hài lòng", "satisfaction_rate", "95", "18"),
]


def rows():
    return [
        {"group": group, "group_label": label, "kpi": kpi, "threshold": Decimal(threshold), "points": Decimal(points)}
        for group, label, kpi, threshold, points in INDICATORS
    ]


def add_version(apps, schema_editor):
    ScoreVersion = apps.get_model("scores", "ScoreVersion")
    ScoreIndicator = apps.get_model("scores", "ScoreIndicator")
    items = rows()
    # The same rules as the admin's forms (scores.rules).
    problems = [p for item in items for p in indicator_problems(item["kpi"], item["threshold"], item["points"])]
    problems += version_problems(items)
    if problems:
        raise ValueError(f"score version {CODE}: {problems}")
    version, _created = ScoreVersion.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)",
            "effective_from": datetime.date(2022, 6, 23),
            "notes": (
                "Decision 766/QĐ-TTg of 23 June 2022, six groups as the National Public Service Portal's "
                "scoreboard shows them (online service split into online service 12 and online payment 10). "
                "The thresholds are our starting reading (DOMAIN.md), to be checked against the current "
                "official guidance; add a new version when the national formula changes."
            ),
        },
    )
    if not version.indicators.exists():
        ScoreIndicator.objects.bulk_create(
            ScoreIndicator(version=version, order=order, **item) for order, item in enumerate(items, start=1)
        )


def remove_version(apps, schema_editor):
    apps.get_model("scores", "ScoreVersion").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("scores", "0001_initial")]

    operations = [migrations.RunPython(add_version, remove_version)]
