from django.urls import path

from . import import_views

app_name = "imports"

urlpatterns = [
    path("", import_views.import_page, name="page"),
    path("<int:pk>/confirm/", import_views.import_confirm, name="confirm"),
    path("<int:pk>/", import_views.import_result, name="result"),
    path("templates/<str:kind>.xlsx", import_views.import_template, name="template"),
    path("export/filings.xlsx", import_views.filings_export, name="export_filings"),
]
