from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="page"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/", views.import_result, name="result"),
    path("templates/<str:kind>.xlsx", views.import_template, name="template"),
]
