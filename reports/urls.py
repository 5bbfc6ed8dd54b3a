from django.urls import path

from . import exports

app_name = "reports"

urlpatterns = [
    path("export/kpis.xlsx", exports.kpi_table_export, name="export_kpis"),
    path("export/ranking.xlsx", exports.ranking_export, name="export_ranking"),
]
