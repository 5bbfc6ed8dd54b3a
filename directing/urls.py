from django.urls import path

from . import views

app_name = "directing"

urlpatterns = [
    path("", views.overdue, name="overdue"),
    path("<int:pk>/", views.directive, name="directive"),
    path("assignments/<int:pk>/report/", views.report, name="report"),
    path("reports/<int:pk>/decide/", views.decide, name="decide"),
]
