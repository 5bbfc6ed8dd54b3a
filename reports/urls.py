from django.urls import path

from . import dashboards, exports

app_name = "reports"

urlpatterns = [
    path("ranking/", dashboards.ranking_page, name="ranking"),
    path("unit/<str:code>/", dashboards.unit_page, name="unit"),
    path("unit/<str:code>/procedure/<str:procedure>/", dashboards.procedure_page, name="procedure"),
    path("unit/<str:code>/tables.xlsx", exports.unit_tables_export, name="export_unit"),
    path(
        "unit/<str:code>/procedure/<str:procedure>/tables.xlsx",
        exports.procedure_tables_export,
        name="export_procedure",
    ),
    path("export/kpis.xlsx", exports.kpi_table_export, name="export_kpis"),
    path("export/ranking.xlsx", exports.ranking_export, name="export_ranking"),
]
