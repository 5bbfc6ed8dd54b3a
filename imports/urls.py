from django.urls import path

from . import export_views, views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="page"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/", views.import_result, name="result"),
    path("<int:pk>/issues.csv", views.import_issues, name="issues"),
    path("jobs/<int:pk>/", views.import_job, name="job"),
    path("jobs/<int:pk>/status.json", views.import_job_status, name="job_status"),
    path("jobs/<int:pk>/retry/", views.import_job_retry, name="job_retry"),
    path("templates/<str:kind>.xlsx", views.import_template, name="template"),
    # Large exports in the background (export_views).
    path("exports/new/", export_views.export_new, name="export_new"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/status.json", export_views.export_job_status, name="export_status"),
    path("exports/<int:pk>/download", export_views.export_download, name="export_download"),
    path("exports/<int:pk>/retry/", export_views.export_job_retry, name="export_retry"),
]
