from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("export/kpis.xlsx", views.kpi_table_export, name="export_kpis"),
    path("export/ranking.xlsx", views.ranking_export, name="export_ranking"),
]
