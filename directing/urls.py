from django.urls import path

from .views import directives, files

app_name = "directing"

urlpatterns = [
    path("", directives.overdue, name="overdue"),
    path("<int:pk>/", directives.directive, name="directive"),
    path("assignments/<int:pk>/report/", directives.report, name="report"),
    path("reports/<int:pk>/decide/", directives.decide, name="decide"),
    path("<int:pk>/file/", files.directive_file, name="directive_file"),
    path("reports/<int:pk>/evidence/", files.evidence, name="evidence"),
]
