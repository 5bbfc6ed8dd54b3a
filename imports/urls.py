from django.urls import path

from . import views

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
]
