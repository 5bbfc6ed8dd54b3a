from django.urls import path

from .views import directives, exports, files, indicators, inspections

app_name = "directing"

urlpatterns = [
    path("", directives.overdue, name="overdue"),
    path("<int:pk>/", directives.directive, name="directive"),
    path("assignments/<int:pk>/report/", directives.report, name="report"),
    path("reports/<int:pk>/decide/", directives.decide, name="decide"),
    path("<int:pk>/file/", files.directive_file, name="directive_file"),
    path("reports/<int:pk>/evidence/", files.evidence, name="evidence"),
    path("inspections/", inspections.inspection_list, name="inspections"),
    path("inspections/<int:pk>/", inspections.inspection, name="inspection"),
    path("inspections/<int:pk>/recommend/", inspections.inspection_recommend, name="inspection_recommend"),
    path("inspections/<int:pk>/report/", inspections.inspection_report, name="inspection_report"),
    path("inspections/<int:pk>/report/file/", inspections.inspection_report_file, name="inspection_report_file"),
    path("inspections/visits/<int:pk>/findings/", inspections.visit_findings, name="visit_findings"),
    path("<int:pk>/export.xlsx", exports.directive_export, name="directive_export"),
    path("overdue.xlsx", exports.overdue_export, name="overdue_export"),
    path("activities.xlsx", exports.activities_export, name="activities_export"),
    path("inspections/<int:pk>/export.xlsx", exports.inspection_export, name="inspection_export"),
    path("indicators.xlsx", exports.indicators_export, name="indicators_export"),
    path("indicators/", indicators.indicators, name="indicators"),
    path("indicators/entry/", indicators.entry, name="indicator_entry"),
]
